package listener

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

func TestDedupFirst(t *testing.T) {
	d := NewDedup(3)
	steps := []struct {
		id   string
		want bool
	}{
		{"a", true}, {"a", false}, {"b", true}, {"c", true}, {"b", false},
		{"d", true}, // evicts a, the oldest
		{"a", true}, {"c", false}, {"", true}, {"", true},
	}
	for i, s := range steps {
		if got := d.First(s.id); got != s.want {
			t.Errorf("step %d: First(%q) = %v, want %v", i, s.id, got, s.want)
		}
	}
}

func TestDedupDisabled(t *testing.T) {
	d := NewDedup(0)
	if !d.First("x") || !d.First("x") {
		t.Errorf("got a duplicate from a disabled Dedup, want every id new")
	}
}

func TestDedupConcurrentClaimsOnce(t *testing.T) {
	d := NewDedup(1024)
	var wins atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 500 {
				if d.First(fmt.Sprint(i)) {
					wins.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := wins.Load(); got != 500 {
		t.Errorf("got %d first claims of 500 ids from 8 goroutines, want 500", got)
	}
}
