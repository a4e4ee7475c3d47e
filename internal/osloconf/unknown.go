package osloconf

import (
	"fmt"
	"strings"
)

// knownKeys are, per group, the keys oslo.config reads there: the options'
// names and the deprecated names that live in that group.
var knownKeys = func() map[string]map[string]bool {
	m := make(map[string]map[string]bool)
	add := func(n Name) {
		if m[n.Group] == nil {
			m[n.Group] = make(map[string]bool)
		}
		m[n.Group][n.Name] = true
	}
	for _, o := range optionTable {
		add(o.Place())
		for _, d := range o.Deprecated {
			add(d)
		}
	}
	return m
}()

// unknownIn reports the keys of f's oslo_messaging_* sections that
// oslo.messaging does not have; each unknown oslo_messaging_* section that
// holds keys, once (a header alone, as sample configs of removed drivers
// leave, is harmless); and messaging keys under [default], which oslo.config
// does not read as [DEFAULT].
func unknownIn(f *File) []*UnknownOption {
	var out []*UnknownOption
	seenSection := make(map[string]bool)
	for _, e := range f.Entries {
		g := normalizeGroup(e.Section)
		origin := Origin{File: f.Name, Line: e.Line, Section: e.Section, Key: e.Key}
		switch {
		case g == "default" && knownKeys[DefaultGroup][e.Key]:
			out = append(out, &UnknownOption{Origin: origin, Suggestion: "[DEFAULT] " + e.Key,
				Note: "oslo.config reads every section name but DEFAULT in lower case, " +
					"so [" + e.Section + "] is a group of its own that nothing reads"})
		case !strings.HasPrefix(g, messagingPrefix):
			// The service's own sections: not ours to judge.
		case knownKeys[g] == nil:
			if !seenSection[g] {
				seenSection[g] = true
				origin.Key = ""
				out = append(out, &UnknownOption{Origin: origin, Suggestion: closest(g, groupNames())})
			}
		case !knownKeys[g][e.Key]:
			out = append(out, unknownKey(origin, g))
		}
	}
	return out
}

func unknownKey(origin Origin, group string) *UnknownOption {
	u := &UnknownOption{Origin: origin}
	if n, ok := laterNames[origin.Key]; ok && knownKeys[group][n] {
		u.Suggestion = n
		u.Note = fmt.Sprintf("oslo.messaging %s spells it %s; later releases renamed it and read both",
			MessagingVersion, n)
		return u
	}
	var names []string
	for k := range knownKeys[group] {
		names = append(names, k)
	}
	u.Suggestion = closest(origin.Key, names)
	if u.Suggestion == "" {
		// Perhaps the right option in the wrong group.
		for _, o := range optionTable {
			if o.Name == origin.Key {
				u.Note = fmt.Sprintf("%s is an option of [%s]", o.Name, o.Group)
				break
			}
		}
	}
	return u
}

func groupNames() []string {
	var gs []string
	for g := range knownKeys {
		gs = append(gs, g)
	}
	return gs
}

// closest returns the candidate nearest to s, if it is near enough to be a
// slip of the keyboard: at most two edits, or a fifth of the length.
func closest(s string, candidates []string) string {
	if len(s) > 200 {
		return "" // no slip of the keyboard; spare the quadratic distance
	}
	best, bestD := "", max(2, len(s)/5)+1
	for _, c := range candidates {
		d := editDistance(s, c)
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
