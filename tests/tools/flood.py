#!/usr/bin/env python3
"""Junk TCP connections against a listener, for the flood tests and bench/flood.sh.

flood.py HOST PORT --from ADDR --connect-close N   N connect/close, one after the other
flood.py HOST PORT --from ADDR --hold N --seconds S  N connections held open (idle) for S s

Bounded: every connection has a 5 s timeout, the whole run is bounded by its counts and S.
Prints one line: how many connected and how many failed."""
import argparse
import socket
import time


def connect(host, port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((source, 0))
    s.connect((host, port))
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--from", dest="source", default="127.0.0.1")
    p.add_argument("--connect-close", type=int, default=0)
    p.add_argument("--hold", type=int, default=0)
    p.add_argument("--seconds", type=float, default=0)
    a = p.parse_args()
    ok = failed = 0
    for _ in range(a.connect_close):
        try:
            connect(a.host, a.port, a.source).close()
            ok += 1
        except OSError:
            failed += 1
    held = []
    for _ in range(a.hold):
        try:
            held.append(connect(a.host, a.port, a.source))
            ok += 1
        except OSError:
            failed += 1
    if held:
        time.sleep(a.seconds)
        for s in held:
            s.close()
    print(f"connected {ok} failed {failed}")


if __name__ == "__main__":
    main()
