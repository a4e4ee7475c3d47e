package rabbit

import (
	"slices"
	"testing"

	"github.com/rpcexec/rpcexec/poller"
)

// mk is a settlement step of a ledger test: a tag and its outcome.
type mk struct {
	tag uint64
	o   poller.Outcome
}

const (
	ack     = poller.Ack
	requeue = poller.Requeue
	reject  = poller.Reject
)

// TestPlan: a multiple frame up to T is planned only when every tag ≤ T was
// returned by Poll and is settled by now; anything else goes tag by tag
// when nothing is held back (flush).
func TestPlan(t *testing.T) {
	tests := []struct {
		name      string
		delivered []uint64 // in the order Poll returned them
		before    [][]mk   // batches settled earlier
		batch     []mk
		want      []op
	}{
		{
			name:      "all outstanding acked in order",
			delivered: []uint64{1, 2, 3, 4},
			batch:     []mk{{1, ack}, {2, ack}, {3, ack}, {4, ack}},
			want:      []op{{tag: 4, outcome: ack, multiple: true}},
		},
		{
			name:      "marked out of order",
			delivered: []uint64{1, 2, 3},
			batch:     []mk{{3, ack}, {1, ack}, {2, ack}},
			want:      []op{{tag: 3, outcome: ack, multiple: true}},
		},
		{
			name:      "a lower tag still outstanding",
			delivered: []uint64{1, 2, 3},
			batch:     []mk{{2, ack}, {3, ack}},
			want:      []op{{tag: 2, outcome: ack}, {tag: 3, outcome: ack}},
		},
		{
			name:      "a hole in the middle",
			delivered: []uint64{1, 2, 3, 4},
			batch:     []mk{{1, ack}, {2, ack}, {4, ack}},
			want:      []op{{tag: 2, outcome: ack, multiple: true}, {tag: 4, outcome: ack}},
		},
		{
			name:      "one message",
			delivered: []uint64{1},
			batch:     []mk{{1, ack}},
			want:      []op{{tag: 1, outcome: ack}},
		},
		{
			name:      "runs of outcomes",
			delivered: []uint64{1, 2, 3, 4, 5},
			batch:     []mk{{1, ack}, {2, ack}, {3, requeue}, {4, reject}, {5, reject}},
			want: []op{
				{tag: 2, outcome: ack, multiple: true},
				{tag: 3, outcome: requeue},
				{tag: 5, outcome: reject, multiple: true},
			},
		},
		{
			name:      "settled earlier below the run",
			delivered: []uint64{1, 2, 3, 4},
			before:    [][]mk{{{2, ack}}, {{1, requeue}}},
			batch:     []mk{{3, ack}, {4, ack}},
			want:      []op{{tag: 4, outcome: ack, multiple: true}},
		},
		{
			// Tag 2 came from another consumer and is still on its way to
			// Poll: acking 3 with multiple would ack it unseen.
			name:      "a lower tag not returned by Poll yet",
			delivered: []uint64{1, 3, 4},
			batch:     []mk{{1, ack}, {3, ack}, {4, ack}},
			want:      []op{{tag: 1, outcome: ack}, {tag: 3, outcome: ack}, {tag: 4, outcome: ack}},
		},
		{
			name:      "the gap filled later",
			delivered: []uint64{1, 3, 4, 2},
			batch:     []mk{{1, ack}, {2, ack}, {3, ack}, {4, ack}},
			want:      []op{{tag: 4, outcome: ack, multiple: true}},
		},
		{
			name:      "nothing marked",
			delivered: []uint64{1, 2},
			want:      nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l ledger
			for _, tag := range tt.delivered {
				l.deliver(tag)
			}
			for _, b := range tt.before {
				markAll(t, &l, b)
				l.flush(nil)
			}
			markAll(t, &l, tt.batch)
			if got := l.flush(nil); !slices.Equal(got, tt.want) {
				t.Errorf("plan = %+v, want %+v", got, tt.want)
			}
			settled := len(tt.batch)
			for _, b := range tt.before {
				settled += len(b)
			}
			if got, want := len(l.held), len(tt.delivered)-settled; got != want {
				t.Errorf("%d tags still held, want %d", got, want)
			}
		})
	}
}

// TestPlanHoldsBack: settlements above an outstanding tag wait, up to hold
// of them, and join a run once the gap fills.
func TestPlanHoldsBack(t *testing.T) {
	var l ledger
	for tag := uint64(1); tag <= 6; tag++ {
		l.deliver(tag)
	}
	markAll(t, &l, []mk{{2, ack}, {3, ack}})
	if got := l.plan(nil, 2); got != nil {
		t.Errorf("2 acks above outstanding tag 1, hold 2: plan = %+v, want nothing sent yet", got)
	}
	markAll(t, &l, []mk{{1, ack}, {5, ack}})
	want := []op{{tag: 3, outcome: ack, multiple: true}}
	if got := l.plan(nil, 2); !slices.Equal(got, want) {
		t.Errorf("gap filled: plan = %+v, want %+v (5 held back above 4)", got, want)
	}
	markAll(t, &l, []mk{{6, ack}})
	want = []op{{tag: 5, outcome: ack}, {tag: 6, outcome: ack}}
	if got := l.plan(nil, 1); !slices.Equal(got, want) {
		t.Errorf("2 held back, hold 1: plan = %+v, want %+v", got, want)
	}
	if len(l.held) != 1 || l.held[0].tag != 4 || l.held[0].mark != 0 {
		t.Errorf("held %+v, want only tag 4, unsettled", l.held)
	}
}

func markAll(t *testing.T, l *ledger, batch []mk) {
	t.Helper()
	for _, m := range batch {
		if !l.mark(m.tag, m.o) {
			t.Fatalf("mark(%d) = false, want true", m.tag)
		}
	}
}

// TestMarkRefuses: a tag never delivered, settled already or marked twice
// in one batch is refused, so it is never sent.
func TestMarkRefuses(t *testing.T) {
	var l ledger
	l.deliver(1)
	l.deliver(2)
	if l.mark(3, ack) {
		t.Error("mark of a tag never delivered = true, want false")
	}
	if !l.mark(1, ack) || l.mark(1, requeue) {
		t.Error("second mark of tag 1 in one batch = true, want false")
	}
	l.flush(nil)
	if l.mark(1, ack) {
		t.Error("mark of a settled tag = true, want false")
	}
	l.reset()
	if l.mark(2, ack) {
		t.Error("mark after reset = true, want false")
	}
}
