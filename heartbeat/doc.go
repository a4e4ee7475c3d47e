// Package heartbeat keeps the two liveness signals of an oslo.messaging-style
// RPC server: the connection heartbeat check and the call-monitor watchdog.
// It knows nothing of AMQP; the poller and the server supply the actions.
//
// # Connection heartbeat
//
// A broker that goes silent, without closing the TCP connection, is only
// noticed by checking the heartbeat. Interval computes the check period from
// oslo.messaging's heartbeat_timeout_threshold and heartbeat_rate
// (threshold / rate / 2, 10 s with the defaults; a threshold of 0 disables
// checks). Schedule tells the listener loop when a check is due; the loop
// then calls CheckHeartbeat on a poller that implements Checker.
//
// Schedule has no goroutine or timer: the listener loop is a single goroutine
// that polls with a bounded timeout and asks the Schedule between polls,
// using Until to keep a poll from outlasting the next check. A Schedule
// belongs to that one goroutine and is not safe for concurrent use. There is
// nothing to stop: the loop simply stops asking.
//
// # Call monitor
//
// A caller that sets call_monitor_timeout sends it as _timeout and expects a
// reply with "ending": false every _timeout/2 while the method runs, so that
// it can tell a slow call from a lost one. MonitorInterval turns _timeout into
// that period the way oslo.messaging does, and Monitor runs the watchdog.
//
// Monitor starts exactly one goroutine, owned by the returned stop function.
// The goroutine ends when stop is called, when the context ends, or after a
// beat fails. stop always waits for it, so the server calls stop before it
// publishes the final reply and a heartbeat can never follow that reply.
// beat is called from the watchdog goroutine only, one call at a time; it may
// run concurrently with the endpoint method, so it must not share unguarded
// state with it.
package heartbeat
