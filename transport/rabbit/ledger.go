package rabbit

import (
	"cmp"
	"slices"

	"github.com/rpcexec/rpcexec/poller"
)

// ledger tracks the delivery tags of the current channel, so that Settle
// sends only settlements the broker will accept and coalesces them where
// that is correct.
//
// RabbitMQ numbers the deliveries on a channel 1, 2, 3, … A frame with
// multiple=true up to tag T settles every unsettled tag ≤ T, including
// deliveries still on their way to Poll through amqp091's buffers and the
// fan-in, which nobody has handled yet. So one such frame may replace the
// frames of a run of tags only when
//   - every tag ≤ T has been returned by Poll (T ≤ contig), and
//   - every tag ≤ T not settled before is settled now, by this frame or an
//     earlier one of the same batch, with the same outcome for the run.
//
// Consumers of several queues interleave, so Poll can return a tag before a
// lower one; contig waits for the gaps to fill.
type ledger struct {
	contig uint64   // every tag ≤ contig has been returned by Poll
	ahead  []uint64 // tags > contig+1 returned by Poll, ascending
	held   []held   // returned by Poll and not settled, ascending
	kept   int      // settled by the caller but held back by plan
}

type held struct {
	tag  uint64
	mark uint8 // 0, or 1 + the outcome the Settle under way applies
}

// op is one settlement frame.
type op struct {
	tag      uint64
	outcome  poller.Outcome
	multiple bool
}

// reset forgets everything: a new channel numbers from 1 again.
func (l *ledger) reset() {
	l.contig = 0
	l.ahead = l.ahead[:0]
	l.held = l.held[:0]
	l.kept = 0
}

// deliver records that Poll returned tag.
func (l *ledger) deliver(tag uint64) {
	i := len(l.held)
	for i > 0 && l.held[i-1].tag > tag { // one step at most, with one consumer none
		i--
	}
	l.held = slices.Insert(l.held, i, held{tag: tag})
	if tag != l.contig+1 {
		j, _ := slices.BinarySearch(l.ahead, tag)
		l.ahead = slices.Insert(l.ahead, j, tag)
		return
	}
	l.contig = tag
	n := 0
	for n < len(l.ahead) && l.ahead[n] == l.contig+1 {
		l.contig++
		n++
	}
	l.ahead = slices.Delete(l.ahead, 0, n)
}

// mark records that tag is settled with o in the batch under way. It is
// false when tag is not outstanding: unknown, settled, or marked already.
func (l *ledger) mark(tag uint64, o poller.Outcome) bool {
	i, ok := slices.BinarySearchFunc(l.held, tag, func(h held, t uint64) int { return cmp.Compare(h.tag, t) })
	if !ok || l.held[i].mark != 0 {
		return false
	}
	l.held[i].mark = uint8(o) + 1
	return true
}

// plan appends to ops the frames that settle the marked tags, in ascending
// order, and forgets the tags it sends. The marked tags at the bottom of the
// outstanding ones go in runs of equal outcome, one multiple frame per run
// of two or more. Marked tags above the first unmarked (or not yet
// contiguous) tag are held back while there are at most hold of them: a
// pool finishes tasks out of order, and once the gap below fills they join
// a run instead of costing a frame each. Past hold, or with hold < 0, they
// go in frames of their own. Held-back tags stay unacknowledged on the
// broker and count against its prefetch, which is why hold is bounded.
func (l *ledger) plan(ops []op, hold int) []op {
	h := l.held
	i := 0
	for i < len(h) && h[i].mark != 0 && h[i].tag <= l.contig {
		j := i
		for j+1 < len(h) && h[j+1].mark == h[i].mark && h[j+1].tag <= l.contig {
			j++
		}
		ops = append(ops, op{tag: h[j].tag, outcome: poller.Outcome(h[i].mark - 1), multiple: j > i})
		i = j + 1
	}
	above := 0
	for _, x := range h[i:] {
		if x.mark != 0 {
			above++
		}
	}
	if above > 0 && (hold < 0 || above > hold) {
		for _, x := range h[i:] {
			if x.mark != 0 {
				ops = append(ops, op{tag: x.tag, outcome: poller.Outcome(x.mark - 1)})
			}
		}
		l.held = slices.DeleteFunc(l.held, func(x held) bool { return x.mark != 0 })
		l.kept = 0
		return ops
	}
	l.held = slices.Delete(l.held, 0, i)
	l.kept = above
	return ops
}

// flush is plan holding nothing back.
func (l *ledger) flush(ops []op) []op { return l.plan(ops, -1) }
