package transport

import (
	"context"
	"fmt"
)

// OpenRabbit connects to RabbitMQ.
func OpenRabbit(_ context.Context, u URL, _ Options) (Transport, error) {
	return nil, fmt.Errorf("transport: %s: RabbitMQ transport not built in yet", u)
}
