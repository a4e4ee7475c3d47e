package listener

import (
	"testing"

	"github.com/rpcexec/rpcexec/wire"
)

func BenchmarkDedupFirst(b *testing.B) {
	d := NewDedup(DefaultDedupSize)
	ids := make([]string, 1<<18)
	for i := range ids {
		ids[i] = wire.NewID()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.First(ids[i&(len(ids)-1)])
		i++
	}
}
