package bench

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// Intervals of the sampler: often enough to catch a short peak of
// goroutines or heap, rarely enough to cost nothing measurable.
const (
	sampleEvery   = 10 * time.Millisecond
	progressEvery = 250 * time.Millisecond
)

// heapMetric is the live heap, read without stopping the world as
// runtime.ReadMemStats would, every sampleEvery of a measured run.
const heapMetric = "/memory/classes/heap/objects:bytes"

// sampler watches the process during a run: peak goroutines and peak heap,
// and, when asked, progress reports. It owns one goroutine, which stop ends
// and waits for.
type sampler struct {
	progress func()
	quit     chan struct{}
	wg       sync.WaitGroup

	// Written by the sampler goroutine, read after stop.
	peakGoroutines int
	peakHeap       uint64
}

// startSampler starts sampling; progress, when not nil, is called every
// progressEvery from the sampler's goroutine.
func startSampler(progress func()) *sampler {
	s := &sampler{progress: progress, quit: make(chan struct{})}
	s.sample(make([]metrics.Sample, 1))
	s.wg.Go(s.loop)
	return s
}

func (s *sampler) loop() {
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	buf := make([]metrics.Sample, 1)
	lastProgress := time.Now()
	for {
		select {
		case <-s.quit:
			s.sample(buf)
			return
		case now := <-tick.C:
			s.sample(buf)
			if s.progress != nil && now.Sub(lastProgress) >= progressEvery {
				lastProgress = now
				s.progress()
			}
		}
	}
}

func (s *sampler) sample(buf []metrics.Sample) {
	s.peakGoroutines = max(s.peakGoroutines, runtime.NumGoroutine())
	buf[0].Name = heapMetric
	metrics.Read(buf)
	if buf[0].Value.Kind() == metrics.KindUint64 {
		s.peakHeap = max(s.peakHeap, buf[0].Value.Uint64())
	}
}

// stop ends the sampler and waits for it; the peaks are final afterwards.
func (s *sampler) stop() {
	close(s.quit)
	s.wg.Wait()
}

// allocs is the process's allocation counters at one moment.
type allocs struct{ mallocs, bytes uint64 }

// readAllocs stops the world briefly; runs call it only at their ends.
func readAllocs() allocs {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return allocs{mallocs: m.Mallocs, bytes: m.TotalAlloc}
}
