package rabbit

import (
	"errors"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// verify checks, every interval until the session closes, that the queues
// it consumes still exist. RabbitMQ can delete a queue's record without
// cancelling its consumer: a stopping node's clean-up deletes, by name, a
// transient queue declared again meanwhile on another node (a reply queue
// after a failover). The consumer then hears nothing, ever: no delivery, no
// basic.cancel, no error. verify declares each queue passively on a channel
// of its own; a queue not found ends the session as a cancelled consumer
// does, and the reconnect declares it again. Any other failure is the
// connection's, which the session notices by itself.
func (s *session) verify(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.stop:
			return
		}
		ch, err := s.conn.Channel()
		if err != nil {
			return
		}
		for i, q := range s.queues {
			_, err = ch.QueueDeclarePassive(q, false, false, false, false, nil)
			var ae *amqp091.Error
			if errors.As(err, &ae) && ae.Code == amqp091.NotFound {
				s.once.Do(func() {
					s.ended, s.vanished = i, true
					close(s.lost)
				})
				return
			}
			if err != nil {
				return
			}
		}
		_ = ch.Close()
	}
}
