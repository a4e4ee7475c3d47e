package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/internal/faultproxy"
	"github.com/rpcexec/rpcexec/wire"
)

// novaConf is an OpenStack service's own file, with amqp_durable_queues.
const novaConf = "../../testdata/openstack/nova.conf"

// TestServeNovaConf is issue 11's "done when": on a broker where a
// durable topic exists, `loadgen rpc-server --config-file nova.conf
// --metrics-addr …` serves it, an oslo.messaging client reading the same
// files calls it, /metrics shows the handled counter rising and /readyz
// flips while the connection is cut.
func TestServeNovaConf(t *testing.T) {
	rabbit := brokertest.OsloURL(t)
	proxy, err := faultproxy.Start(brokertest.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() }) // after the server has stopped
	viaProxy, _ := url.Parse(rabbit)
	viaProxy.Host = proxy.Addr()

	// The deployment: a durable topic queue on an exchange of its own, as
	// nova's services with amqp_durable_queues = true leave them.
	exchange := "rpcexec-it-nova-" + wire.NewID()[:12]
	topic := brokertest.Topic(t, "compute-1")
	ch := brokertest.Channel(t)
	if err := ch.ExchangeDeclare(exchange, "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(topic, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { brokertest.Channel(t).ExchangeDelete(exchange, false, false) })
	local := filepath.Join(t.TempDir(), "nova-local.conf") // a second --config-file, as deployments split them
	if err := os.WriteFile(local, []byte(fmt.Sprintf("[DEFAULT]\ntransport_url = %s\ncontrol_exchange = %s\n"+
		"[oslo_messaging_rabbit]\nrabbit_retry_interval = 1\nrabbit_retry_backoff = 1\n", viaProxy, exchange)), 0o600); err != nil {
		t.Fatal(err)
	}

	// Without the files the queue flags differ and the broker refuses.
	status, _, errs := loadgen(t.Context(), "rpc-server", "--url", viaProxy.String(), "--exchange", exchange, "--topic", topic)
	if status != exitFailed || !strings.Contains(errs, "amqp_durable_queues") {
		t.Errorf("without nova.conf: status %d, stderr %q; want a failure naming amqp_durable_queues", status, errs)
	}

	out, errs2, stop := startServer(t, "--config-file", novaConf, "--config-file", local,
		"--metrics-addr", "127.0.0.1:0", "--topic", topic, "--server", "compute-1", "--version", "1.3")
	m := regexp.MustCompile(`metrics at (http://\S+)/metrics`).FindStringSubmatch(errs2.String())
	if m == nil {
		t.Fatalf("the ready line names no metrics address:\n%s", errs2)
	}
	base := m[1]
	if log := errs2.String(); !strings.Contains(log, "rabbit_ha_queues") || !strings.Contains(log, "kombu_reconnect_delay") {
		t.Errorf("stderr does not name the options rpcexec does not implement:\n%s", log)
	}
	if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz once serving: got %d", code)
	}
	before := handled(t, base)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	raw, err := exec.CommandContext(ctx, brokertest.Python, "testdata/sim_client.py", rabbit, topic, "compute-1", "1.2",
		novaConf, local).Output()
	if err != nil {
		t.Fatalf("sim_client.py: %v\n%s", err, exitStderr(err))
	}
	for line := range strings.Lines(string(raw)) {
		var s osloStep
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("sim_client.py printed %q", line)
		}
		if s.Error != "" && s.Step != "fail" {
			t.Errorf("oslo client step %s: %s: %s", s.Step, s.Error, s.Message)
		}
	}
	after := handled(t, base)
	if after < before+2 {
		t.Errorf("rpcexec_requests_handled_total{method=\"echo\",outcome=\"ok\"}: %v before the oslo client, %v after; want it risen by ≥ 2",
			before, after)
	}

	proxy.Refuse()
	proxy.Cut()
	awaitStatus(t, base+"/readyz", http.StatusServiceUnavailable, "while the connection is cut")
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while cut: got %d, want 200", code)
	}
	proxy.Allow()
	awaitStatus(t, base+"/readyz", http.StatusOK, "once reconnected")

	if status := stop(); status != exitOK {
		t.Fatalf("rpc-server exited %d:\n%s", status, errs2)
	}
	var counts map[string]int64
	if err := json.Unmarshal([]byte(out.String()), &counts); err != nil || counts["echo"] < 2 {
		t.Errorf("rpc-server's counts = %q", out.String())
	}
}

// TestMetricsAddressInUse: a clear error at start, not a server without
// metrics.
func TestMetricsAddressInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	status, _, errs := loadgen(t.Context(), "rpc-server", "--url", "memory://"+wire.NewID(), "--metrics-addr", busy.Addr().String())
	want := "loadgen: rpc-server: metrics: cannot listen on " + busy.Addr().String()
	if status != exitFailed || !strings.HasPrefix(errs, want) || !strings.Contains(errs, "address already in use") {
		t.Errorf("status %d, stderr %q; want 1 and %q … address already in use", status, errs, want)
	}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// handled reads the echo calls handled from /metrics.
func handled(t *testing.T, base string) float64 {
	t.Helper()
	_, body := get(t, base+"/metrics")
	m := regexp.MustCompile(`(?m)^rpcexec_requests_handled_total\{method="echo",outcome="ok"\} (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func awaitStatus(t *testing.T, u string, want int, when string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get(t, u)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s: got %d %q for 30 s, want %d", u, when, code, body, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
