package rabbit

import (
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/transport"
)

// Declare declares qs, their exchanges and bindings on ch exactly as
// rpcexec's consumers do, for programs that talk to the broker with
// amqp091 directly, such as the bare programs bench measures rpcexec
// against. The broker closes ch when a declaration conflicts with what it
// has; the error then names the option to change.
func Declare(ch *amqp091.Channel, qs []transport.Queue) error {
	return declare(ch, qs, DefaultOptions())
}
