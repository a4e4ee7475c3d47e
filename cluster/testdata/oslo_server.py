"""An oslo.messaging RPC server for rpcexec's cluster tests.

Usage: oslo_server.py TRANSPORT_URL EXCHANGE TOPIC SERVER
Serves echo(value) and record(id) on EXCHANGE/TOPIC as SERVER. Prints
{"ready": true} once consuming and {"id": N} for every record it handles;
stops cleanly when stdin closes. Driver options go in the URL's query
(?rabbit_quorum_queue=true), as oslo.messaging reads them there.
"""
import json
import sys
import threading

from oslo_config import cfg
import oslo_messaging as om

_out = threading.Lock()


def emit(obj):
    with _out:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


class Endpoint:
    target = om.Target(version="1.0")

    def echo(self, ctxt, value):
        return value

    def record(self, ctxt, id):
        emit({"id": id})


def main():
    url, exchange, topic, server = sys.argv[1:5]
    conf = cfg.CONF
    conf([])
    transport = om.get_rpc_transport(conf, url=url)
    target = om.Target(exchange=exchange, topic=topic, server=server)
    srv = om.get_rpc_server(transport, target, [Endpoint()], executor="threading")
    srv.start()
    emit({"ready": True})
    sys.stdin.read()  # until the test closes our stdin
    srv.stop()
    srv.wait()
    transport.cleanup()


if __name__ == "__main__":
    main()
