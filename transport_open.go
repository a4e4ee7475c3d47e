package rpcexec

import (
	"context"

	"github.com/rpcexec/rpcexec/transport"
)

// OpenTransport connects to cfg.TransportURL. Servers and clients open their
// own when none is given to them; open one yourself to share it.
func OpenTransport(ctx context.Context, cfg Config) (transport.Transport, error) {
	return transport.Open(ctx, cfg.TransportURL, cfg.transportOptions())
}

func (c *Config) transportOptions() transport.Options {
	return transport.Options{
		Heartbeat:        c.HeartbeatTimeoutThreshold.Std(),
		HeartbeatRate:    c.HeartbeatRate,
		RetryInterval:    c.RabbitRetryInterval.Std(),
		RetryBackoff:     c.RabbitRetryBackoff.Std(),
		IntervalMax:      c.RabbitIntervalMax.Std(),
		MaxRetries:       c.RabbitMaxRetries,
		FailoverStrategy: c.KombuFailoverStrategy,
		DurableQueues:    c.AMQPDurableQueues,
		AutoDelete:       c.AMQPAutoDelete,
		QuorumQueues:     c.RabbitQuorumQueue,
		PublishRetry:     c.PublishRetry,
		ConnPoolSize:     c.RPCConnPoolSize,
		TLS: transport.TLSOptions{
			Enabled: c.SSL, CAFile: c.SSLCAFile, CertFile: c.SSLCertFile, KeyFile: c.SSLKeyFile,
		},
		Logger: c.logger(),
	}
}
