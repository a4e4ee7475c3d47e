"""An OpenStack-style oslo.messaging client of the Go server in main.go.

Usage: /usr/bin/python3 client.py TRANSPORT_URL
(Debian's python3-oslo.messaging; tested with oslo.messaging 14.0.3.)
"""
import sys

from oslo_config import cfg
import oslo_messaging as om


def main():
    url = sys.argv[1]
    conf = cfg.CONF
    conf([])
    transport = om.get_rpc_transport(conf, url=url)
    client = om.get_rpc_client(transport, om.Target(topic="rpcexec_example", version="1.0"), timeout=30)
    # What nova passes as its RequestContext.to_dict(): each item travels
    # as a _context_<key> field and the Go endpoint reads it back.
    ctxt = {"request_id": "req-0f6d3a3e-from-python", "user_id": "admin", "project_id": "demo"}
    print("get_state:", client.call(ctxt, "get_state", instance_id="vm-42"))
    try:
        client.call(ctxt, "get_state", instance_id="")
    except om.RemoteError as e:
        print("get_state of nothing failed:", e.exc_type, "-", e.value)
    transport.cleanup()


if __name__ == "__main__":
    main()
