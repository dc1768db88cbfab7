#!/usr/bin/env python3
"""The two clients of `bench/run.sh flood`: a pre-authentication flood, and legitimate probes.

flood.py junk HOST PORT [--held N] [--per-source K] [--held-net 127.2] [--reopen-ms MS]
                        [--cycles M] [--cycle-sources S] [--cycle-net 127.3] [--concurrency C]
                        [--max-seconds T] [--first-bytes B]
    N idle TCP connections held open from ceil(N / K) loopback source addresses
    (HELD_NET.x.y), each opened again about MS ms after the listener closes it (0: never), so
    that N stay attempted at all times; meanwhile M TCP connect/close cycles, C at a time, from
    S source addresses (CYCLE_NET.x.y). Not a byte is sent, unless --first-bytes B (1-3): each
    held connection then sends the first B bytes of a TLS record header and nothing more. One progress line a second,
    "held: all N attempted" once, "cycles: done" once; on SIGTERM or SIGINT, or after T s,
    everything is closed and the last line is a JSON summary.

flood.py probe HOST PORT --cert C --key K --ca CA --name NAME [--count N] [--from ADDR]
    N legitimate TLS 1.3 handshakes (client certificate, ALPN outpost/1, the server's chain and
    NAME verified), one after the other; prints a JSON list: outcome and milliseconds each.

Bounded: every connect has a 5 s timeout (a probe's handshake 10 s), the flood ends after T s
at the latest, and all sockets are closed on the way out. One thread, epoll.
"""
import argparse
import errno
import heapq
import json
import random
import selectors
import signal
import socket
import ssl
import sys
import time

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
CONNECT_TIMEOUT_S = 5.0


def loopback(net, i):
    """The i-th source address of NET ("127.2"): 127.2.0.1 .. 127.2.0.250, 127.2.1.1, ..."""
    return f"{net}.{(i // 250) % 256}.{i % 250 + 1}"


def junk(a):
    sel = selectors.EpollSelector()
    held_sources = max(1, -(-a.held // a.per_source)) if a.held else 0
    stats = dict(held_target=a.held, held_sources=held_sources, cycles_target=a.cycles,
                 cycle_sources=a.cycle_sources, connects=0, connect_failures=0,
                 connect_timeouts=0, held_opened=0, held_closed_by_peer=0, held_max_open=0,
                 cycles_done=0, cycles_failed=0, bind_failures=0)
    held_open = 0
    connecting = {}  # fd -> connect deadline
    conns = {}  # fd -> [socket, kind, index, state]
    reopen = []  # heap of (when, held index)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start(kind, index):
        source = (loopback(a.held_net, index // a.per_source) if kind == "held"
                  else loopback(a.cycle_net, index % a.cycle_sources))
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        try:
            s.bind((source, 0))
        except OSError:
            stats["bind_failures"] += 1
            s.close()
            return False
        stats["connects"] += 1
        err = s.connect_ex((a.host, a.port))
        if err not in (0, errno.EINPROGRESS):
            stats["connect_failures"] += 1
            s.close()
            return False
        fd = s.fileno()
        conns[fd] = [s, kind, index, "connecting"]
        connecting[fd] = time.monotonic() + CONNECT_TIMEOUT_S
        sel.register(fd, selectors.EVENT_WRITE)
        return True

    def schedule_reopen(index):
        if a.reopen_ms > 0 and not stopping:
            delay = a.reopen_ms / 1000.0 * random.uniform(0.5, 1.5)
            heapq.heappush(reopen, (time.monotonic() + delay, index))

    next_cycle = 0
    cycles_in_flight = 0

    def start_cycles():
        nonlocal next_cycle, cycles_in_flight
        while not stopping and cycles_in_flight < a.concurrency and next_cycle < a.cycles:
            index = next_cycle
            next_cycle += 1
            if start("cycle", index):
                cycles_in_flight += 1
            else:
                stats["cycles_failed"] += 1

    def finish(fd, failed):
        nonlocal held_open, cycles_in_flight
        s, kind, index, state = conns.pop(fd)
        connecting.pop(fd, None)
        sel.unregister(fd)
        s.close()
        if kind == "held":
            if state == "open":
                held_open -= 1
            schedule_reopen(index)
        else:
            cycles_in_flight -= 1
            stats["cycles_failed" if failed else "cycles_done"] += 1

    started = time.monotonic()
    next_progress = started + 1.0
    next_held = 0
    said_held = said_cycles = False
    last_connects = 0
    while not stopping and time.monotonic() - started < a.max_seconds:
        # The held connections are opened 500 per turn; then the cycles.
        for _ in range(500):
            if next_held >= a.held:
                break
            if not start("held", next_held):
                schedule_reopen(next_held)
            next_held += 1
        if next_held >= a.held and not said_held and a.held:
            print(f"held: all {a.held} attempted after {time.monotonic() - started:.2f} s "
                  f"from {held_sources} source addresses", flush=True)
            said_held = True
        if said_held or not a.held:
            start_cycles()
        now = time.monotonic()
        while reopen and reopen[0][0] <= now and not stopping:
            _, index = heapq.heappop(reopen)
            if not start("held", index):
                schedule_reopen(index)
        timeout = 0.05
        if reopen:
            timeout = max(0.0, min(timeout, reopen[0][0] - now))
        for key, mask in sel.select(timeout):
            fd = key.fd
            if fd not in conns:
                continue
            s, kind, index, state = conns[fd]
            if state == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    stats["connect_failures"] += 1
                    finish(fd, True)
                    continue
                connecting.pop(fd, None)
                if kind == "cycle":
                    finish(fd, False)
                    continue
                conns[fd][3] = "open"
                if a.first_bytes:  # a TLS record header's first bytes, then silence
                    try:
                        s.send(b"\x16\x03\x01"[:a.first_bytes])
                    except OSError:
                        pass
                held_open += 1
                stats["held_opened"] += 1
                stats["held_max_open"] = max(stats["held_max_open"], held_open)
                sel.modify(fd, selectors.EVENT_READ)
            else:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:  # the listener closed it (refused at accept, or its deadline)
                    stats["held_closed_by_peer"] += 1
                    finish(fd, False)
        now = time.monotonic()
        if now >= next_progress:
            for fd in [fd for fd, deadline in connecting.items() if deadline <= now]:
                stats["connect_timeouts"] += 1
                finish(fd, True)
            if (not said_cycles and a.cycles and next_cycle >= a.cycles
                    and cycles_in_flight == 0):
                print(f"cycles: done {stats['cycles_done']} ok, {stats['cycles_failed']} failed, "
                      f"after {now - started:.2f} s", flush=True)
                said_cycles = True
            print(f"t={now - started:.0f}s held_open={held_open} "
                  f"held_connecting={sum(1 for c in conns.values() if c[1] == 'held') - held_open} "
                  f"closed_by_listener={stats['held_closed_by_peer']} "
                  f"cycles={stats['cycles_done']}+{stats['cycles_failed']}/{a.cycles} "
                  f"connects={stats['connects']} (+{stats['connects'] - last_connects}/s) "
                  f"failures={stats['connect_failures']} timeouts={stats['connect_timeouts']}",
                  flush=True)
            last_connects = stats["connects"]
            next_progress = now + 1.0
    stats["held_open_at_stop"] = held_open
    stats["seconds"] = round(time.monotonic() - started, 2)
    stats["stopped_by"] = "signal" if stopping else "max-seconds"
    for fd in list(conns):
        conns[fd][0].close()
    sel.close()
    print(json.dumps(stats), flush=True)


def probe(a):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the name
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_verify_locations(a.ca)
    context.load_cert_chain(a.cert, a.key)
    context.set_alpn_protocols(["outpost/1"])
    results = []
    for _ in range(a.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        s.bind((a.source, 0))
        t0 = time.perf_counter()
        result = {}
        try:
            s.connect((a.host, a.port))
            result["connect_ms"] = round((time.perf_counter() - t0) * 1000, 2)
            t = context.wrap_socket(s, server_hostname=a.name)
            s = t
            result["handshake_ms"] = round((time.perf_counter() - t0) * 1000, 2)
            # In TLS 1.3 the server judges our certificate after our Finished: a short read
            # tells an alert (refused) from silence (it waits for our hello: accepted).
            t.settimeout(0.3)
            try:
                result["outcome"] = "closed" if t.recv(1) == b"" else "ok"
            except (socket.timeout, TimeoutError):
                result["outcome"] = "ok"
            except ssl.SSLError as e:
                result["outcome"] = f"refused: {e.reason}"
        except (socket.timeout, TimeoutError):
            result["outcome"] = "timeout"
        except (ConnectionError, ssl.SSLEOFError) as e:
            # the listener closed it at once: over its pre-authentication budget
            result["outcome"] = f"closed during handshake ({type(e).__name__})"
        except (ssl.SSLError, OSError) as e:
            result["outcome"] = f"error: {e}"
        finally:
            s.close()
        result.setdefault("handshake_ms", round((time.perf_counter() - t0) * 1000, 2))
        results.append(result)
        time.sleep(a.pause_ms / 1000.0)
    print(json.dumps(results), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="mode", required=True)
    j = sub.add_parser("junk")
    j.add_argument("host")
    j.add_argument("port", type=int)
    j.add_argument("--held", type=int, default=10000)
    j.add_argument("--per-source", type=int, default=50)
    j.add_argument("--held-net", default="127.2")
    j.add_argument("--reopen-ms", type=int, default=1000)
    j.add_argument("--cycles", type=int, default=100000)
    j.add_argument("--cycle-sources", type=int, default=2000)
    j.add_argument("--cycle-net", default="127.3")
    j.add_argument("--concurrency", type=int, default=64)
    j.add_argument("--max-seconds", type=float, default=300)
    j.add_argument("--first-bytes", type=int, default=0, choices=range(0, 4))
    r = sub.add_parser("probe")
    r.add_argument("host")
    r.add_argument("port", type=int)
    r.add_argument("--cert", required=True)
    r.add_argument("--key", required=True)
    r.add_argument("--ca", required=True)
    r.add_argument("--name", required=True)
    r.add_argument("--count", type=int, default=10)
    r.add_argument("--from", dest="source", default="127.0.0.2")
    r.add_argument("--pause-ms", type=int, default=200)
    a = p.parse_args()
    if a.mode == "junk":
        if a.per_source < 1 or a.cycle_sources < 1 or a.concurrency < 1:
            sys.exit("flood.py: --per-source, --cycle-sources and --concurrency must be >= 1")
        junk(a)
    else:
        probe(a)


if __name__ == "__main__":
    main()
