package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rpcexec/rpcexec"
)

// Source is what a Collector reads: *rpcexec.Server.
type Source interface {
	Stats() rpcexec.ServerStats
	Ready() bool
}

// Collector exports a server's counters, read at scrape time. It is a
// prometheus.Collector.
type Collector struct {
	src   Source
	descs collectorDescs
}

type collectorDescs struct {
	received, settled, inFlight, peakInFlight, refused, duplicates, replyFailures,
	pollErrors, heartbeatFailures, connectionsLost, reconnects, publishRetries, ready *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector of src's counters, with constant
// labels (nil for none) to tell servers apart.
func NewCollector(src Source, constLabels prometheus.Labels) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, constLabels)
	}
	return &Collector{src: src, descs: collectorDescs{
		received: d("rpcexec_messages_received_total", "Messages taken off the server's queues."),
		settled: d("rpcexec_messages_settled_total",
			"Messages settled, by outcome: ack (handled or dropped as a duplicate), requeue (returned unstarted), "+
				"reject (removed unhandled: oversize, poison, or a handler panic).", "outcome"),
		inFlight:     d("rpcexec_messages_in_flight", "Messages received and not yet settled."),
		peakInFlight: d("rpcexec_messages_in_flight_peak", "The most messages in flight at once since the server started."),
		refused: d("rpcexec_requests_refused_total",
			"Messages not dispatched, by reason: malformed (not a readable request), oversize (over max_message_size), "+
				"poison (delivered more than max_deliveries times).", "reason"),
		duplicates:    d("rpcexec_duplicates_dropped_total", "Redeliveries of requests already handled, dropped by deduplication."),
		replyFailures: d("rpcexec_reply_failures_total", "Replies, refusals and call-monitor heartbeats that could not be delivered."),
		pollErrors:    d("rpcexec_poll_errors_total", "Polls of the server's queues that failed."),
		heartbeatFailures: d("rpcexec_heartbeat_failures_total",
			"Heartbeat checks that found the connection dead or still reconnecting."),
		connectionsLost: d("rpcexec_connections_lost_total", "Consuming connections of the server's transport lost."),
		reconnects:      d("rpcexec_reconnects_total", "Consuming connections of the server's transport made again after a loss."),
		publishRetries:  d("rpcexec_publish_retries_total", "Publishes (replies) retried through an outage by the server's transport."),
		ready:           d("rpcexec_ready", "1 while the server consumes on a live connection, else 0."),
	}}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	d := c.descs
	for _, desc := range []*prometheus.Desc{d.received, d.settled, d.inFlight, d.peakInFlight, d.refused, d.duplicates,
		d.replyFailures, d.pollErrors, d.heartbeatFailures, d.connectionsLost, d.reconnects, d.publishRetries, d.ready} {
		ch <- desc
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s, d := c.src.Stats(), c.descs
	counter := func(desc *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(desc *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(v))
	}
	counter(d.received, s.Received)
	counter(d.settled, s.Acked, "ack")
	counter(d.settled, s.Requeued, "requeue")
	counter(d.settled, s.Rejected, "reject")
	gauge(d.inFlight, s.InFlight)
	gauge(d.peakInFlight, s.PeakInFlight)
	counter(d.refused, s.Requests.Malformed, "malformed")
	counter(d.refused, s.Requests.Oversize, "oversize")
	counter(d.refused, s.Requests.Poison, "poison")
	counter(d.duplicates, s.Requests.Duplicates)
	counter(d.replyFailures, s.Requests.ReplyFailures)
	counter(d.pollErrors, s.PollErrors)
	counter(d.heartbeatFailures, s.HeartbeatFailures)
	counter(d.connectionsLost, s.Transport.ConnectionsLost)
	counter(d.reconnects, s.Transport.Reconnects)
	counter(d.publishRetries, s.Transport.PublishRetries)
	ready := int64(0)
	if c.src.Ready() {
		ready = 1
	}
	gauge(d.ready, ready)
}
