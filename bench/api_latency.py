#!/usr/bin/env python3
"""The REST API's and the console's latency against a running `outpost server` (bench/run.sh api).

Standard library only. Every connection verifies the server's certificate against --ca for
--name (it connects to --address), as a browser or curl --cacert would; keep-alive connections.

  api_latency.py --address 127.0.0.1 --port P --name ms1.bench.test --ca ca.crt --token T
                 [--user NAME --password-file FILE] [--computer agent00000.lab.test]
                 [--counter cpu.percent] [--days 30] [--requests 200] [--warmup 10]
                 [--server-pid PID] [--json OUT]

For each request: --warmup untimed requests, then --requests timed ones on one kept-alive
connection (Authorization: Bearer with the token). The console's first load is what a browser
with an empty cache does: on new connections (up to 6 at a time, as browsers open per host),
GET /, then every file index.html references, then the ES modules those import, level by level
(each file is requested when the file naming it has arrived). "first view" adds what the console
asks when a logged-in user opens it (GET /api/v1/session, then the Monitoring page's overview and
alert count, with the session cookie of a login as --user). Percentiles are nearest-rank. With
--server-pid, the server's CPU time (utime + stime) per timed request (per load for the console).
Prints a table (p50, p99, max in ms) and writes --json.
"""

import argparse
import concurrent.futures
import html.parser
import http.client
import json
import math
import os
import re
import socket
import ssl
import sys
import threading
import time


def percentile(sorted_values, p):
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not sorted_values:
        return None
    k = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[k - 1]


class Connection(http.client.HTTPSConnection):
    """HTTPS to `address` for the name `host`: the certificate is checked against `host`."""

    def __init__(self, host, port, address, context, timeout=60):
        super().__init__(host, port, context=context, timeout=timeout)
        # http.client connects through this attribute (set by its __init__) with (host, port).
        self._create_connection = lambda where, timeout=None, source=None: (
            socket.create_connection((address, where[1]), timeout, source))


class Client:
    def __init__(self, args):
        self.args = args
        self.context = ssl.create_default_context(cafile=args.ca)
        self.context.check_hostname = True
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.handshakes = 0
        self._lock = threading.Lock()

    def connect(self):
        c = Connection(self.args.name, self.args.port, self.args.address, self.context)
        c.connect()
        with self._lock:
            self.handshakes += 1
        return c

    @staticmethod
    def get(conn, path, headers):
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        return r.status, body


def server_cpu_ticks(pid):
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)
    except OSError:
        return None


def summarize(times_ms):
    s = sorted(times_ms)
    return {
        "n": len(s),
        "p50_ms": round(percentile(s, 50), 2),
        "p99_ms": round(percentile(s, 99), 2),
        "max_ms": round(s[-1], 2),
        "min_ms": round(s[0], 2),
        "mean_ms": round(sum(s) / len(s), 2),
    }


def measure_api(client, name, path, check, requests=None, pause_s=0.0):
    """--warmup then --requests GETs of `path` on one kept-alive connection, `pause_s` apart."""
    args = client.args
    requests = requests or args.requests
    headers = {"Authorization": f"Bearer {args.token}", "Accept": "application/json"}
    conn = client.connect()
    body = b""
    for _ in range(args.warmup):
        status, body = client.get(conn, path, headers)
        if status != 200:
            raise SystemExit(f"{name}: GET {path} answered {status}: {body[:300]!r}")
    times = []
    ticks_before = server_cpu_ticks(args.server_pid)
    for _ in range(requests):
        time.sleep(pause_s)
        t0 = time.perf_counter()
        status, body = client.get(conn, path, headers)
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise SystemExit(f"{name}: GET {path} answered {status}: {body[:300]!r}")
    ticks_after = server_cpu_ticks(args.server_pid)
    conn.close()
    out = {"name": name, "path": path, "bytes": len(body), **summarize(times)}
    if ticks_before is not None and ticks_after is not None:
        hz = os.sysconf("SC_CLK_TCK")
        out["server_cpu_ms_per_request"] = round(
            (ticks_after - ticks_before) * 1000 / hz / requests, 2)
    out["check"] = check(json.loads(body))
    return out


class References(html.parser.HTMLParser):
    """The files a page names: <link href>, <script src>, <img src>."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            self.found.append(a["href"])
        elif tag in ("script", "img") and a.get("src"):
            self.found.append(a["src"])


IMPORT = re.compile(r"""(?:^|;|\s)import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]""", re.M)


def absolute(base, ref):
    if ref.startswith("/"):
        return ref
    directory = base.rsplit("/", 1)[0]
    parts = []
    for part in (directory + "/" + ref).split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/" + "/".join(parts)


def first_load(client, cookie=None):
    """One cold load of the console: a dict of its times (ms), requests, bytes and connections."""
    local = threading.local()
    opened = []
    headers = {"Accept": "*/*"}

    def fetch(path, extra=None):
        if not hasattr(local, "conn"):
            local.conn = client.connect()
            opened.append(local.conn)
        status, body = client.get(local.conn, path, {**headers, **(extra or {})})
        if status != 200:
            raise SystemExit(f"console: GET {path} answered {status}")
        return path, body

    out = {"files": ["/"], "file_bytes": 0, "api_ms": None, "api_bytes": 0}
    start = time.perf_counter()
    handshakes_before = client.handshakes
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        _, page = pool.submit(fetch, "/").result()
        out["file_bytes"] += len(page)
        refs = References()
        refs.feed(page.decode())
        pending = set()
        for ref in refs.found:
            path = absolute("/index.html", ref)
            if path not in out["files"]:
                out["files"].append(path)
                pending.add(pool.submit(fetch, path))
        while pending:
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in done:
                path, body = f.result()
                out["file_bytes"] += len(body)
                if path.endswith(".js"):
                    for ref in IMPORT.findall(body.decode()):
                        target = absolute(path, ref)
                        if ref.startswith(".") and target not in out["files"]:
                            out["files"].append(target)
                            pending.add(pool.submit(fetch, target))
        out["files_ms"] = (time.perf_counter() - start) * 1000
        if cookie:
            # What app.js asks once its modules ran: the session, then the Monitoring page's
            # overview and alert count at once.
            api = {"Cookie": cookie, "Accept": "application/json"}
            t = time.perf_counter()
            out["api_bytes"] += len(pool.submit(fetch, "/api/v1/session", api).result()[1])
            both = [pool.submit(fetch, p, api)
                    for p in ("/api/v1/overview", "/api/v1/alerts?limit=1")]
            out["api_bytes"] += sum(len(f.result()[1]) for f in both)
            out["api_ms"] = (time.perf_counter() - t) * 1000
    out["connections"] = client.handshakes - handshakes_before
    for c in opened:
        c.close()
    return out


def measure_console(client, cookie):
    args = client.args
    for _ in range(args.warmup):
        first_load(client, cookie)
    files, view = [], []
    ticks_before = server_cpu_ticks(args.server_pid)
    for _ in range(args.requests):
        last = first_load(client, cookie)
        files.append(last["files_ms"])
        if last["api_ms"] is not None:
            view.append(last["files_ms"] + last["api_ms"])
    ticks_after = server_cpu_ticks(args.server_pid)
    out = [{"name": "console first load (files)", "path": "/ and the files it names",
            "files": last["files"], "requests": len(last["files"]), "bytes": last["file_bytes"],
            "connections": last["connections"], **summarize(files)}]
    if view:
        out.append({"name": "console first view (+ API)",
                    "path": "the files, then /api/v1/session, overview, alerts?limit=1",
                    "requests": len(last["files"]) + 3,
                    "bytes": last["file_bytes"] + last["api_bytes"],
                    "connections": last["connections"], **summarize(view)})
    if ticks_before is not None and ticks_after is not None:
        hz = os.sysconf("SC_CLK_TCK")
        out[-1]["server_cpu_ms_per_request"] = round(
            (ticks_after - ticks_before) * 1000 / hz / args.requests, 2)
    return out


def login(client):
    """POST /api/v1/session as --user: the session cookie ("outpost_session=...")."""
    with open(client.args.password_file) as f:
        password = f.read().rstrip("\n")
    conn = client.connect()
    conn.request("POST", "/api/v1/session",
                 body=json.dumps({"user": client.args.user, "password": password}),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    conn.close()
    if r.status != 200:
        raise SystemExit(f"login as {client.args.user} answered {r.status}")
    return r.getheader("Set-Cookie").split(";", 1)[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--name", required=True, help="the server's name in its certificate")
    p.add_argument("--ca", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--user", default="", help="logs in as USER for the console's first view")
    p.add_argument("--password-file", default="")
    p.add_argument("--computer", default="agent00000.lab.test")
    p.add_argument("--counter", default="cpu.percent")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--server-pid", type=int, default=0)
    p.add_argument("--spaced", type=int, default=10,
                   help="requests of the inventory's first page 6 s apart (the server's "
                        "inventory snapshot serves 5 s): an operator's console polling")
    p.add_argument("--json", default="")
    args = p.parse_args()

    client = Client(args)
    since_ms = int(time.time() * 1000) - args.days * 86_400_000
    c = args.computer
    cases = [
        ("overview", "/api/v1/overview",
         lambda j: {"total": j["total"], "counts": j["counts"]}),
        ("inventory, first page", "/api/v1/computers?limit=100",
         lambda j: {"total": j["total"], "items": len(j["items"])}),
        ("inventory, name search", "/api/v1/computers?q=agent0999&limit=100",
         lambda j: {"total": j["total"], "items": len(j["items"])}),
        ("one computer", f"/api/v1/computers/{c}",
         lambda j: {"health": j["computer"].get("health"), "counters": j["counters"]}),
        (f"chart, {args.days} days in 500 points",
         f"/api/v1/computers/{c}/performance?counter={args.counter}&points=500"
         f"&since_ms={since_ms}",
         lambda j: {"points": len(j["points"]), "samples": sum(x["count"] for x in j["points"])}),
    ]
    results = []
    for name, path, check in cases:
        r = measure_api(client, name, path, check)
        results.append(r)
        print(f"  {name:<34} done: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms  {r['check']}",
              file=sys.stderr, flush=True)
    if args.spaced:
        name = "inventory, polled every 6 s"
        r = measure_api(client, name, "/api/v1/computers?limit=100",
                        lambda j: {"total": j["total"], "items": len(j["items"])},
                        requests=args.spaced, pause_s=6.0)
        r["requests"] = args.spaced
        results.append(r)
        print(f"  {name:<34} done: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms  {r['check']}",
              file=sys.stderr, flush=True)
    results.extend(measure_console(client, login(client) if args.user else None))
    # The health counts once everything was timed (the computers stayed as they were).
    conn = client.connect()
    status, body = client.get(conn, "/api/v1/overview", {"Authorization": f"Bearer {args.token}"})
    conn.close()
    counts_at_end = json.loads(body)["counts"] if status == 200 else None

    print(f"\n  {'request':<34} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'srv CPU':>8}  bytes")
    for r in results:
        cpu = r.get("server_cpu_ms_per_request")
        print(f"  {r['name']:<34} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['max_ms']:>8.1f} "
              f"{'' if cpu is None else cpu:>8}  {r['bytes'] if r['bytes'] is not None else '-'}")
    print(f"  ({args.requests} timed requests each after {args.warmup} warm-up; srv CPU: the "
          "server's CPU ms per request)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"requests": args.requests, "warmup": args.warmup,
                       "counts_at_end": counts_at_end, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
