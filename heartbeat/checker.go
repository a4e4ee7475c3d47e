package heartbeat

import "context"

// Checker is implemented by a poller whose connection needs a liveness check.
// The listener loop calls CheckHeartbeat when a check is due (see Interval);
// an error means the connection is dead and the poller is rebuilding it.
type Checker interface {
	CheckHeartbeat(ctx context.Context) error
}
