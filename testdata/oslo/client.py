"""An oslo.messaging RPC client, the real peer of rpcexec's interop tests.

Usage: client.py TRANSPORT_URL TOPIC SCENARIO
Runs one scenario against the servers of TOPIC and prints one JSON line per
step: {"step": name, "result": value} or {"step": name, "error": class,
"module": module, "message": text}.
"""
import json
import sys

from oslo_config import cfg
import oslo_messaging as om

VALUES = {
    "int": 42, "float": 2.5, "string": "héllo <&>", "true": True, "false": False,
    "null": None, "list": [1, "two", [3]], "object": {"a": {"b": [None, 1.5]}},
    "empty_object": {}, "empty_list": [], "big": 2**53, "negative": -7,
}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def step(name, fn):
    try:
        emit({"step": name, "result": fn()})
    except Exception as e:  # report every failure as data for the Go side
        cls = type(e)
        name_ = cls.__name__
        if isinstance(e, om.RemoteError):
            name_ = e.exc_type
        emit({"step": name, "error": name_, "module": cls.__module__,
              "message": str(e).split("\n")[0]})


def main():
    url, topic, scenario = sys.argv[1:4]
    conf = cfg.CONF  # oslo registers some options (metrics) on the global CONF only
    conf([])
    transport = om.get_rpc_transport(
        conf, url=url, allowed_remote_exmods=["oslo_messaging.rpc.dispatcher"])
    client = om.get_rpc_client(transport, om.Target(topic=topic), timeout=30)
    ctxt = {"request_id": "req-oslo-1", "user_id": "u-oslo"}
    if scenario == "calls":
        for name, value in VALUES.items():
            step("echo_" + name, lambda v=value: client.call(ctxt, "echo", value=v))
        step("whoami", lambda: client.call(ctxt, "whoami"))
        step("control", lambda: client.prepare(namespace="control", version="2.3").call(ctxt, "status"))
        step("fail", lambda: client.call(ctxt, "fail", message="it broke"))
        step("no_such_method", lambda: client.call(ctxt, "nope"))
        step("unsupported_version", lambda: client.prepare(version="3.0").call(ctxt, "echo", value=1))
        step("bad_args", lambda: client.call(ctxt, "echo", wrong=1))
        step("call_monitor", lambda: client.prepare(call_monitor_timeout=2, timeout=30)
             .call(ctxt, "sleep", seconds=5))
    elif scenario == "casts":
        for i in range(100):
            client.cast(ctxt, "record", id=i)
        emit({"step": "casts", "result": 100})
    elif scenario == "fanout":
        client.prepare(fanout=True).cast(ctxt, "record", id=-1)
        emit({"step": "fanout", "result": 1})
    else:
        raise SystemExit("unknown scenario " + scenario)
    transport.cleanup()


if __name__ == "__main__":
    main()
