package clustertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// state is what `scripts/rabbit-cluster up` records in DIR/cluster.env:
// KEY=VALUE lines, lists separated by spaces, # comments.
type state struct {
	nodes    []string // Erlang node names, node 1 first
	amqpURLs []string // amqp:// URL of each node
	url      string   // oslo transport URL with every node
}

func loadState(dir string) (state, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cluster.env"))
	if err != nil {
		return state{}, fmt.Errorf("clustertest: no cluster in %s (start one with %s up %s): %w", dir, scriptPath, dir, err)
	}
	s, err := parseState(string(b))
	if err != nil {
		return state{}, fmt.Errorf("clustertest: %s/cluster.env: %w", dir, err)
	}
	return s, nil
}

func parseState(text string) (state, error) {
	var s state
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return state{}, fmt.Errorf("line %q is not KEY=VALUE", line)
		}
		switch key {
		case "NODES":
			s.nodes = strings.Fields(value)
		case "AMQP_URLS":
			s.amqpURLs = strings.Fields(value)
		case "URL":
			s.url = value
		}
	}
	switch {
	case len(s.nodes) == 0:
		return state{}, errors.New("no NODES")
	case len(s.amqpURLs) != len(s.nodes):
		return state{}, fmt.Errorf("%d NODES but %d AMQP_URLS", len(s.nodes), len(s.amqpURLs))
	case s.url == "":
		return state{}, errors.New("no URL")
	}
	return s, nil
}
