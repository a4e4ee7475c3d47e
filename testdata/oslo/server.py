"""An oslo.messaging RPC server, the real peer of rpcexec's interop tests.

Usage: server.py TRANSPORT_URL TOPIC SERVER
Prints "ready" once consuming; stops cleanly when stdin closes. Every cast
it handles is printed as a JSON line {"cast": <method>, "args": {...}}.
forward(topic, method, args) calls method on topic with the context it
received, as an OpenStack service passes its request context on.
"""
import json
import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging as om


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Echo:
    target = om.Target(version="1.0")

    def __init__(self, transport):
        self.transport = transport

    def echo(self, ctxt, value):
        return value

    def fail(self, ctxt, message):
        raise ValueError(message)

    def sleep(self, ctxt, seconds):
        time.sleep(seconds)
        return seconds

    def whoami(self, ctxt):
        return ctxt

    def record(self, ctxt, **kwargs):
        emit({"cast": "record", "args": kwargs})

    def forward(self, ctxt, topic, method, args):
        client = om.get_rpc_client(self.transport, om.Target(topic=topic), timeout=30)
        return client.call(ctxt, method, **args)


class Control:
    target = om.Target(namespace="control", version="2.5")

    def status(self, ctxt):
        return "control 2.5"


def main():
    url, topic, server = sys.argv[1:4]
    conf = cfg.CONF  # oslo registers some options (metrics) on the global CONF only
    conf([])
    transport = om.get_rpc_transport(conf, url=url)
    target = om.Target(topic=topic, server=server)
    srv = om.get_rpc_server(transport, target, [Echo(transport), Control()], executor="threading")
    srv.start()
    emit({"ready": True})
    sys.stdin.read()  # until the test closes our stdin
    srv.stop()
    srv.wait()
    transport.cleanup()


if __name__ == "__main__":
    main()
