package rpcexec

import "github.com/rpcexec/rpcexec/transport"

// Target says where a server listens or a client sends, as oslo.messaging's
// Target does. A server uses Exchange, Topic and Server; a client uses all
// fields (Server to reach one server, Fanout to reach all).
type Target struct {
	Exchange  string // control exchange; Config.ControlExchange when empty
	Topic     string
	Server    string
	Namespace string // endpoint namespace; "" is oslo's null namespace
	Version   string // requested API version, e.g. "2.5"; "" means 1.0
	Fanout    bool   // casts go to every server of the topic
}

func (t Target) transport(cfg *Config) transport.Subscription {
	exchange := t.Exchange
	if exchange == "" {
		exchange = cfg.ControlExchange
	}
	return transport.Subscription{Exchange: exchange, Topic: t.Topic, Server: t.Server}
}
