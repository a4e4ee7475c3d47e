"""An oslo.messaging client of `loadgen rpc-server`, for cmd/loadgen's
interop test.

Usage: sim_client.py TRANSPORT_URL TOPIC SERVER VERSION [CONFIG_FILE...]
The configuration files (a service's nova.conf, say) are read as the
service reads them; TRANSPORT_URL overrides their transport_url.
Prints one JSON line per step: {"step": name, "result": value} or
{"step": name, "error": class, "message": first line of the text}.
"""
import json
import sys

from oslo_config import cfg
import oslo_messaging as om


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def step(name, fn):
    try:
        emit({"step": name, "result": fn()})
    except Exception as e:  # every failure is data for the Go side
        cls = type(e).__name__
        if isinstance(e, om.RemoteError):
            cls = e.exc_type
        emit({"step": name, "error": cls, "message": str(e).split("\n")[0]})


def main():
    url, topic, server, version = sys.argv[1:5]
    conf = cfg.CONF  # oslo registers some options (metrics) on the global CONF only
    conf([arg for f in sys.argv[5:] for arg in ("--config-file", f)])
    transport = om.get_rpc_transport(conf, url=url)
    client = om.get_rpc_client(transport, om.Target(topic=topic, version=version), timeout=30)
    ctxt = {"request_id": "req-sim-1"}
    step("echo", lambda: client.call(ctxt, "echo", value={"a": [1, "two", None]}))
    step("echo_server", lambda: client.prepare(server=server).call(ctxt, "echo", value=42))
    step("sleep", lambda: client.call(ctxt, "sleep", seconds=0.1))
    step("fail", lambda: client.call(ctxt, "fail", message="it broke"))
    step("cast", lambda: client.cast(ctxt, "echo", value="cast"))
    step("fanout", lambda: client.prepare(fanout=True).cast(ctxt, "echo", value="fanout"))
    step("stats", lambda: client.call(ctxt, "stats"))
    transport.cleanup()


if __name__ == "__main__":
    main()
