package memory

import (
	"cmp"
	"slices"
	"strings"
)

// exchange holds the bindings of one named exchange. Route results are kept
// sorted by queue id, the order in which a publish locks its targets, and
// without duplicates. All fields are guarded by Bus.mu.
type exchange struct {
	kind  Kind
	exact map[string][]*queue // topic bindings without wildcards, by key
	wild  []wildBinding       // topic bindings with "*" or "#"
	all   []*queue            // fanout: every bound queue
}

// wildBinding is a topic binding whose key has wildcard words.
type wildBinding struct {
	key     string
	pattern []string
	q       *queue
}

// binding is one of a queue's bindings, remembered so deleting the queue can
// undo it.
type binding struct {
	x   *exchange
	key string
}

func newExchange(kind Kind) *exchange {
	return &exchange{kind: kind, exact: make(map[string][]*queue)}
}

// bind adds a binding and reports whether it is new.
func (x *exchange) bind(q *queue, key string) bool {
	if x.kind == Fanout {
		var added bool
		x.all, added = insertQueue(x.all, q)
		return added
	}
	if words := strings.Split(key, "."); isPattern(words) {
		if slices.ContainsFunc(x.wild, func(w wildBinding) bool { return w.q == q && w.key == key }) {
			return false
		}
		x.wild = append(x.wild, wildBinding{key: key, pattern: words, q: q})
		return true
	}
	var added bool
	x.exact[key], added = insertQueue(x.exact[key], q)
	return added
}

// unbind removes a binding made by bind.
func (x *exchange) unbind(q *queue, key string) {
	if x.kind == Fanout {
		x.all = slices.DeleteFunc(x.all, func(o *queue) bool { return o == q })
		return
	}
	x.wild = slices.DeleteFunc(x.wild, func(w wildBinding) bool { return w.q == q && w.key == key })
	if qs := slices.DeleteFunc(x.exact[key], func(o *queue) bool { return o == q }); len(qs) > 0 {
		x.exact[key] = qs
	} else {
		delete(x.exact, key)
	}
}

// route returns the queues a message with key goes to, sorted by id. It
// allocates only when a wildcard binding matches.
func (x *exchange) route(key string) []*queue {
	if x.kind == Fanout {
		return x.all
	}
	qs := x.exact[key]
	if len(x.wild) == 0 {
		return qs
	}
	words := strings.Split(key, ".")
	copied := false
	for _, w := range x.wild {
		if !matchTopic(w.pattern, words) {
			continue
		}
		if !copied {
			qs, copied = slices.Clone(qs), true
		}
		qs, _ = insertQueue(qs, w.q)
	}
	return qs
}

// insertQueue adds q to qs, kept sorted by id, unless it is there already.
func insertQueue(qs []*queue, q *queue) ([]*queue, bool) {
	i, found := slices.BinarySearchFunc(qs, q, func(a, b *queue) int { return cmp.Compare(a.id, b.id) })
	if found {
		return qs, false
	}
	return slices.Insert(qs, i, q), true
}

func isPattern(words []string) bool {
	return slices.Contains(words, "*") || slices.Contains(words, "#")
}

// matchTopic reports whether the words of a routing key match a binding
// pattern: "*" matches exactly one word and "#" zero or more.
func matchTopic(pattern, words []string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case "#":
			for i := range len(words) + 1 {
				if matchTopic(pattern[1:], words[i:]) {
					return true
				}
			}
			return false
		case "*":
			if len(words) == 0 {
				return false
			}
		default:
			if len(words) == 0 || words[0] != pattern[0] {
				return false
			}
		}
		pattern, words = pattern[1:], words[1:]
	}
	return len(words) == 0
}
