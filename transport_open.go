package rpcexec

import (
	"context"

	"github.com/rpcexec/rpcexec/transport"
)

// OpenTransport connects to cfg.TransportURL. Servers and clients open their
// own when none is given to them; open one yourself to share it.
func OpenTransport(ctx context.Context, cfg Config) (transport.Transport, error) {
	return transport.Open(ctx, cfg.TransportURL, transport.Options{})
}
