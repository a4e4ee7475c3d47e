package transport

import (
	"context"
	"fmt"
)

// Options are the transport settings that do not fit in the URL.
type Options struct{}

// Open connects to the bus rawURL names.
func Open(_ context.Context, rawURL string, _ Options) (Transport, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "memory":
		return NewMemory(Bus(u.Name)), nil
	}
	return nil, fmt.Errorf("transport: %s: RabbitMQ transport not built in yet", u)
}
