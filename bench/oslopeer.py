"""oslo.messaging's own RPC server and client, driven by bench over pipes.

Embedded in the bench package and run as `python3 -c SOURCE ROLE ARGS`, so
that loadgen measures oslo.messaging from any directory. (The interop
tests' peers, testdata/oslo/{server,client}.py, answer single requests;
these count thousands.)

  server URL EXCHANGE TOPIC SERVER PREFETCH THREADS WORK
  client URL EXCHANGE TOPIC THREADS MESSAGES DURATION TIMEOUT PAYLOAD

Both print one JSON line {"ready": true, "queues": [...]} once set up (the
queues they declared whose names bench cannot know), then wait for a line
"start" on stdin. The server then consumes and prints "h T" for every
message it handled, T being the message's t argument; the client makes
MESSAGES calls (or calls for DURATION seconds) from THREADS threads, with t
the wall clock in nanoseconds, and prints {"sent": N, "errors": E,
"error": "..."}. Closing stdin stops either.
"""
import json
import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging as om


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def wait_start():
    if sys.stdin.readline().strip() != "start":
        sys.exit(0)


def transport_for(url):
    conf = cfg.CONF  # oslo registers some options on the global CONF only
    conf([])
    return conf, om.get_rpc_transport(conf, url=url)


class Work:
    """bench's Work: parts [kind, seconds, percent], picked by message number."""

    def __init__(self, parts):
        self.parts = parts

    def do(self, seq):
        if not self.parts:
            return
        part = self.parts[0]
        if len(self.parts) > 1:
            bucket = ((seq * 0x9E3779B97F4A7C15) % (1 << 64) >> 32) % 100
            for part in self.parts:
                if bucket < part[2]:
                    break
                bucket -= part[2]
        kind, seconds = part[0], part[1]
        if kind == "sleep":
            time.sleep(seconds)
        elif kind == "cpu":
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                pass


class Endpoint:
    target = om.Target(version="1.0")

    def __init__(self, work):
        self.work = work
        self.lock = threading.Lock()

    def run(self, ctxt, t, s, p=""):
        self.work.do(s)
        line = "h %d\n" % t
        with self.lock:
            sys.stdout.write(line)
            sys.stdout.flush()

    def ping(self, ctxt):
        return None


def fanout_queues(srv, topic):
    """The server's fanout queue, whose name oslo draws; best effort."""
    try:
        conn = srv.listener._poll_style_listener.conn.connection
        return [c.queue_name for c in conn._consumers
                if c.queue_name.startswith(topic + "_fanout_")]
    except Exception:
        return []


def server(url, exchange, topic, name, prefetch, threads, work):
    conf, transport = transport_for(url)
    conf.set_override("rabbit_qos_prefetch_count", int(prefetch), group="oslo_messaging_rabbit")
    srv = om.get_rpc_server(transport, om.Target(exchange=exchange, topic=topic, server=name),
                            [Endpoint(Work(json.loads(work)))], executor="threading")
    conf.set_override("executor_thread_pool_size", int(threads))
    say({"ready": True, "queues": []})
    wait_start()
    srv.start()
    say({"started": True, "queues": fanout_queues(srv, topic)})
    sys.stdin.read()  # until bench closes our stdin
    srv.stop()
    srv.wait()
    transport.cleanup()


def client(url, exchange, topic, threads, messages, duration, timeout, payload):
    conf, transport = transport_for(url)
    c = om.get_rpc_client(transport, om.Target(exchange=exchange, topic=topic), timeout=float(timeout))
    ctxt = {}
    c.call(ctxt, "ping")  # the reply queue, before the clock
    reply_q = getattr(transport._driver, "_reply_q", None)
    say({"ready": True, "queues": [reply_q] if reply_q else []})
    wait_start()
    messages, duration, pad = int(messages), float(duration), "x" * int(payload)
    deadline = time.monotonic() + duration if duration > 0 else None
    lock = threading.Lock()
    state = {"next": 0, "sent": 0, "errors": 0, "error": ""}

    def caller():
        while True:
            with lock:
                if messages > 0 and state["next"] >= messages:
                    return
                if deadline is not None and time.monotonic() >= deadline:
                    return
                state["next"] += 1
                seq = state["next"]
            try:
                args = {"t": time.time_ns(), "s": seq}
                if pad:
                    args["p"] = pad
                c.call(ctxt, "run", **args)
                with lock:
                    state["sent"] += 1
            except Exception as e:  # reported, and the run fails
                with lock:
                    state["errors"] += 1
                    state["error"] = state["error"] or "%s: %s" % (type(e).__name__, e)
                return

    workers = [threading.Thread(target=caller, daemon=True) for _ in range(int(threads))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    say({"sent": state["sent"], "errors": state["errors"], "error": state["error"]})
    sys.stdin.read()
    transport.cleanup()


if __name__ == "__main__":
    role, args = sys.argv[1], sys.argv[2:]
    {"server": server, "client": client}[role](*args)
