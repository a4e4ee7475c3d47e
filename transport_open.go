package rpcexec

import (
	"context"

	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/transport/memory"
	"github.com/rpcexec/rpcexec/transport/rabbit"
)

// OpenTransport returns the transport cfg.TransportURL names: the embedded
// bus of that name for memory://, RabbitMQ otherwise. Servers and clients
// open their own when none is given to them; open one yourself to share
// it. A RabbitMQ transport checks its settings here and connects when first
// used, as oslo's get_transport does: a service may start before its broker.
func OpenTransport(ctx context.Context, cfg Config) (transport.Transport, error) {
	u, err := transport.ParseURL(cfg.TransportURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "memory" {
		return memory.NewTransport(memory.Named(u.Name)), nil
	}
	r, err := rabbit.OpenRabbit(ctx, u, cfg.rabbitOptions())
	if err != nil {
		return nil, err // not a nil *Rabbit in a non-nil interface
	}
	return r, nil
}

func (c *Config) rabbitOptions() rabbit.Options {
	return rabbit.Options{
		Heartbeat:        c.HeartbeatTimeoutThreshold.Std(),
		HeartbeatRate:    c.HeartbeatRate,
		RetryInterval:    c.RabbitRetryInterval.Std(),
		RetryBackoff:     c.RabbitRetryBackoff.Std(),
		IntervalMax:      c.RabbitIntervalMax.Std(),
		MaxRetries:       c.RabbitMaxRetries,
		FailoverStrategy: c.KombuFailoverStrategy,
		Queues: transport.QueueFlags{
			Durable: c.AMQPDurableQueues, AutoDelete: c.AMQPAutoDelete, Quorum: c.RabbitQuorumQueue,
			Limits: transport.QuorumLimits{
				DeliveryLimit:   c.RabbitQuorumDeliveryLimit,
				MaxMemoryLength: c.RabbitQuorumMaxMemoryLength,
				MaxMemoryBytes:  c.RabbitQuorumMaxMemoryBytes,
			},
		},
		PublishRetry: c.PublishRetry,
		ConnPoolSize: c.RPCConnPoolSize,
		TLS: rabbit.TLSOptions{
			Enabled: c.SSL, CAFile: c.SSLCAFile, CertFile: c.SSLCertFile, KeyFile: c.SSLKeyFile,
		},
		Logger: c.logger(),
	}
}
