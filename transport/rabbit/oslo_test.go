package rabbit

import (
	"bufio"
	"context"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/transport"
)

// osloDeclares has oslo.messaging's rabbit driver declare a server's and a
// caller's queues, prints the fanout queue's name and holds its connection
// (oslo deletes the fanout queue on close) until stdin closes.
const osloDeclares = `
import sys
from oslo_config import cfg
import oslo_messaging
from oslo_messaging._drivers import common
url, exchange, topic, server, reply = sys.argv[1:6]
conf = cfg.ConfigOpts()
conf([])
t = oslo_messaging.get_rpc_transport(conf, url)
conn = t._driver._get_connection(common.PURPOSE_LISTEN)
conn.declare_topic_consumer(exchange_name=exchange, topic=topic, callback=None)
conn.declare_topic_consumer(exchange_name=exchange, topic=topic + '.' + server, callback=None)
conn.declare_fanout_consumer(topic, None)
conn.declare_direct_consumer(reply, None)
print([c.queue_name for c in conn._consumers if c.type == 'fanout'][0], flush=True)
sys.stdin.read()
conn.close()
t.cleanup()
`

// TestDeclareMatchesOslo lets oslo.messaging declare first, with each
// option that changes declarations set in the URL as an operator would,
// then declares the same entities: any difference in flags or arguments
// would fail with PRECONDITION_FAILED.
func TestDeclareMatchesOslo(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import oslo_messaging").Run(); err != nil {
		t.Skipf("oslo.messaging not importable by /usr/bin/python3 (Debian python3-oslo.messaging): %v", err)
	}
	for _, query := range []string{"", "amqp_durable_queues=true", "amqp_auto_delete=true", "rabbit_quorum_queue=true"} {
		t.Run("options="+query, func(t *testing.T) {
			t.Parallel()
			c := rawConn(t)
			tg, _ := testTarget(t, c)
			reply := "reply_" + unique("q")
			deleteLater(t, c, []string{reply}, nil)
			u := brokerURL(t)
			u.Query, _ = url.ParseQuery(query)
			raw := "rabbit://" + u.Hosts[0].Username + ":" + url.QueryEscape(u.Hosts[0].Password) + "@" +
				u.Hosts[0].Addr() + "/" + url.PathEscape(u.VHost) + "?" + query

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			py := exec.CommandContext(ctx, "/usr/bin/python3", "-c", osloDeclares, raw, tg.Exchange, tg.Topic, tg.Server, reply)
			stdin, _ := py.StdinPipe()
			stdout, _ := py.StdoutPipe()
			var stderr strings.Builder
			py.Stderr = &stderr
			if err := py.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				if err := py.Wait(); err != nil {
					t.Errorf("oslo: %v\n%s", err, stderr.String())
				}
			}()
			fanout, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("oslo declared nothing: %v\n%s", err, stderr.String())
			}
			fanout = strings.TrimSpace(fanout)
			deleteLater(t, c, []string{fanout}, nil)

			o, err := resolve(fastOptions(), u.Query)
			if err != nil {
				t.Fatal(err)
			}
			qs := append(transport.ServerQueues(tg, fanout, o.Queues), transport.ReplyQueues(reply)...)
			if err := declare(rawChannel(t, c), qs, o); err != nil {
				t.Errorf("declaring after oslo: %v", err)
			}
		})
	}
}
