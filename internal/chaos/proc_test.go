package chaos_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/internal/chaos"
	"github.com/rpcexec/rpcexec/internal/faultproxy"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
)

// server is one server process and the proxy in front of it. Its stdout
// comes to Write: "ready", "stats …" and the history lines it records,
// each of which wakes the watch.
type server struct {
	name, executor string
	pid            int
	proxy          *faultproxy.Proxy
	cmd            *exec.Cmd
	stderr         syncbuf.Buffer
	w              *watch

	ready  chan struct{} // closed at "ready"
	exited chan struct{} // closed once the process has ended and exit is recorded
	code   int           // exit code (-1: by a signal), once exited is closed

	mu       sync.Mutex
	partial  []byte
	isReady  bool
	st       stats
	started  map[string]bool // ids of the start lines it printed
	fresh    bool            // a stats line came after the last start line
	silenced bool            // the proxy is silent (finish heals it)
	refusing bool            // the proxy refuses connections (finish heals it)
}

// stats are the server's listener counters as it last reported them.
type stats struct{ received, acked, requeued, rejected int64 }

// Write takes the process's stdout.
func (s *server) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		line := string(s.partial[:i])
		s.partial = s.partial[i+1:]
		switch {
		case line == "ready" && !s.isReady:
			s.isReady = true
			close(s.ready)
		case strings.HasPrefix(line, "stats "):
			var st stats
			if _, err := fmt.Sscanf(line, "stats %d %d %d %d", &st.received, &st.acked, &st.requeued, &st.rejected); err == nil {
				s.st, s.fresh = st, true
			}
		case strings.HasPrefix(line, chaos.Start+" "):
			if e, err := chaos.ParseEvent(line); err == nil {
				s.started[e.ID] = true
				s.fresh = false
			}
		}
	}
	s.mu.Unlock()
	s.w.notify()
	return len(p), nil
}

// startedFresh counts the ids of ids the server has printed a start of,
// and reports whether its counters printed since include them all.
func (s *server) startedFresh(ids []string) (n int, fresh bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.started[id] {
			n++
		}
	}
	return n, s.fresh
}

func (s *server) stats() stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// awaitStats waits until cond holds for the server's counters.
func (s *server) awaitStats(within time.Duration, cond func(stats) bool) bool {
	return s.w.await(within, func() bool { return cond(s.stats()) })
}

// alive reports whether the process has not ended.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// String names the process in messages.
func (s *server) String() string {
	return fmt.Sprintf("%s (pid %d, %s)", s.name, s.pid, s.executor)
}

// waitExit waits for the process to end, and reports whether it did.
func (s *server) waitExit(within time.Duration) bool {
	select {
	case <-s.exited:
		return true
	case <-time.After(within):
		return false
	}
}

// logTail is the last n lines of the process's log.
func (s *server) logTail(n int) string {
	lines := strings.Split(strings.TrimRight(s.stderr.String(), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(%d earlier lines)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// exitEvent is the history line of the process's end.
func (s *server) exitEvent() chaos.Event {
	return chaos.Event{Kind: chaos.Exit, PID: s.pid, MS: int64(s.code)}
}

// awaitStarted waits until the server has started n of ids and reported
// its counters since.
func (s *server) awaitStarted(within time.Duration, ids []string, n int) bool {
	return s.w.await(within, func() bool {
		got, fresh := s.startedFresh(ids)
		return got >= n && fresh
	})
}
