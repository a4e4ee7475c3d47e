package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors returned by executors. Configuration errors wrap ErrInvalidConfig.
var (
	ErrClosed        = errors.New("executor: closed")
	ErrInvalidConfig = errors.New("executor: invalid configuration")
)

// Task is one unit of work: handling one message.
type Task func()

// Executor decides where a task runs.
type Executor interface {
	// Submit runs task or arranges for it to run. It may block until there is
	// capacity, returning ctx.Err() if ctx is done first, and returns ErrClosed
	// once Shutdown has been called. When Submit returns nil the task has been
	// accepted and will run to completion, even if Shutdown follows.
	Submit(ctx context.Context, task Task) error

	// Shutdown stops admission and waits until every accepted task has
	// returned, or until ctx is done (returning ctx.Err()). It is idempotent;
	// a later call waits again.
	Shutdown(ctx context.Context) error
}

// Options tune an executor. Each strategy uses the fields that apply to it.
type Options struct {
	// PoolSize is the number of workers of the pool strategy
	// (oslo.messaging's executor_thread_pool_size).
	PoolSize int
	// MaxInFlight bounds the number of tasks running at once in the goroutine
	// strategy; the listener sets it to the prefetch.
	MaxInFlight int
}

// DefaultPoolSize is oslo.messaging's default executor_thread_pool_size.
const DefaultPoolSize = 64

// DefaultMaxInFlight bounds the goroutine strategy when no prefetch is given.
const DefaultMaxInFlight = 1024

// Option sets one field of Options; New validates the result.
type Option func(*Options)

// WithPoolSize sets the pool strategy's number of workers (> 0).
func WithPoolSize(n int) Option { return func(o *Options) { o.PoolSize = n } }

// WithMaxInFlight bounds how many tasks the goroutine strategy runs at once
// (> 0).
func WithMaxInFlight(n int) Option { return func(o *Options) { o.MaxInFlight = n } }

// validate checks the options every strategy may use.
func (o Options) validate() error {
	switch {
	case o.PoolSize <= 0:
		return fmt.Errorf("%w: pool size must be > 0, got %d", ErrInvalidConfig, o.PoolSize)
	case o.MaxInFlight <= 0:
		return fmt.Errorf("%w: max in-flight must be > 0, got %d", ErrInvalidConfig, o.MaxInFlight)
	}
	return nil
}

// Strategy names accepted by New.
const (
	Blocking  = "blocking"
	Goroutine = "goroutine"
	Pool      = "pool"
)

var constructors = map[string]func(Options) (Executor, error){
	Blocking:  func(Options) (Executor, error) { return NewBlocking(), nil },
	Goroutine: func(o Options) (Executor, error) { return NewGoroutine(o.MaxInFlight), nil },
	Pool:      func(o Options) (Executor, error) { return NewPool(o.PoolSize) },
}

// Names lists the strategies New accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(constructors))
	for name := range constructors {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// New returns the strategy called name, configured by opts.
func New(name string, opts ...Option) (Executor, error) {
	build, ok := constructors[name]
	if !ok {
		return nil, fmt.Errorf("%w: unknown executor %q (valid: %s)",
			ErrInvalidConfig, name, strings.Join(Names(), ", "))
	}
	o := Options{PoolSize: DefaultPoolSize, MaxInFlight: DefaultMaxInFlight}
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return build(o)
}
