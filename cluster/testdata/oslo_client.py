"""An oslo.messaging RPC client for rpcexec's cluster tests.

Usage: oslo_client.py TRANSPORT_URL EXCHANGE TOPIC cast COUNT RATE
       oslo_client.py TRANSPORT_URL EXCHANGE TOPIC call COUNT SERVER
cast: casts record(id=i) for i in 0..COUNT-1 at about RATE a second (0: as
fast as it can), printing {"sent": n} after every 100 and {"done": COUNT}.
call: calls echo(value=i) COUNT times on SERVER (or the topic, for "-"),
printing {"done": COUNT} when every result came back right.
Driver options go in the URL's query (?rabbit_quorum_queue=true).
"""
import json
import sys
import time

from oslo_config import cfg
import oslo_messaging as om


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    url, exchange, topic, mode, count = sys.argv[1:6]
    count = int(count)
    conf = cfg.CONF
    conf([])
    transport = om.get_rpc_transport(conf, url=url)
    client = om.get_rpc_client(transport, om.Target(exchange=exchange, topic=topic), timeout=30)
    ctxt = {"request_id": "req-cluster"}
    if mode == "cast":
        rate = float(sys.argv[6])
        start = time.monotonic()
        for i in range(count):
            if rate > 0:
                ahead = start + i / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            client.cast(ctxt, "record", id=i)
            if (i + 1) % 100 == 0:
                emit({"sent": i + 1})
    elif mode == "call":
        server = sys.argv[6]
        c = client if server == "-" else client.prepare(server=server)
        for i in range(count):
            got = c.call(ctxt, "echo", value=i)
            if got != i:
                raise SystemExit("echo(%d) returned %r" % (i, got))
    else:
        raise SystemExit("unknown mode " + mode)
    emit({"done": count})
    transport.cleanup()


if __name__ == "__main__":
    main()
