package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MonitorInterval returns how often the server sends a call-monitor heartbeat
// for a request whose _timeout (the caller's call_monitor_timeout) is timeout,
// or 0 when no heartbeat must be sent.
//
// It does what oslo.messaging's RPCDispatcher._watchdog does
// (rpc/dispatcher.py, 14.0.3): the timeout is truncated to whole seconds
// (int(client_timeout)) and halved, leaving the other half for queueing on
// the way in and out; a period under one second, that is a timeout under 2 s,
// is rejected with a warning and no watchdog runs. A missing or zero _timeout
// starts no watchdog either. The caller logs the warning when _timeout was
// set but MonitorInterval returns 0.
func MonitorInterval(timeout time.Duration) time.Duration {
	period := timeout.Truncate(time.Second) / 2
	if period < time.Second {
		return 0
	}
	return period
}

// Monitor starts the call-monitor watchdog for one running call: every
// interval it calls beat, which sends a reply with "ending": false, until the
// returned stop is called or ctx is done.
//
// Beats are spaced by every from the end of the previous one, as oslo.messaging
// waits again after each heartbeat; a slow broker therefore never queues up
// beats. The first beat comes one interval after Monitor is called, so a
// quick call sends none.
//
// stop cancels the context passed to beat, waits for the watchdog goroutine
// to exit and returns the error of the beat that failed, if any. When stop
// returns no beat is running or will start, so the final reply, sent after
// stop, is always the last message on the wire for the call. stop may be
// called more than once and from several goroutines; every call returns the
// same error.
//
// A failed beat ends the watchdog, as in oslo.messaging (the broker or the
// caller is likely gone), but not the call: the error is only reported by
// stop, for the server to log. A beat that fails with the context's own error
// because the watchdog was stopped or ctx ended is not a failure.
//
// every ≤ 0 starts no goroutine and returns a stop that does nothing.
func Monitor(ctx context.Context, every time.Duration, beat func(context.Context) error) (stop func() error) {
	if every <= 0 {
		return func() error { return nil }
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var err error // written by the watchdog before done is closed
	go func() {
		defer close(done)
		err = watch(ctx, every, beat)
	}()
	return func() error {
		cancel()
		<-done
		return err
	}
}

// watch is the watchdog loop; it returns the first real beat failure.
func watch(ctx context.Context, every time.Duration, beat func(context.Context) error) error {
	timer := time.NewTimer(every)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		if err := beat(ctx); err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return nil // cut short by stop or ctx, not a failure
			}
			return fmt.Errorf("heartbeat: call-monitor beat: %w", err)
		}
		timer.Reset(every)
	}
}
