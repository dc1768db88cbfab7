#!/usr/bin/python3
"""An HTTPS webhook receiver for the alerts test: serves on 127.0.0.1 (a port the system picks,
written to PORT_FILE), appends each POST body as one line to OUT_FILE and answers 200; answers
500 while FAIL_FILE exists. Runs until killed.

usage: webhook_receiver.py CERT KEY PORT_FILE OUT_FILE FAIL_FILE"""
import http.server
import os
import ssl
import sys

cert, key, port_file, out_file, fail_file = sys.argv[1:6]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = min(int(self.headers.get("Content-Length", "0")), 1 << 20)
        body = self.rfile.read(length)
        failing = os.path.exists(fail_file)
        if not failing:
            with open(out_file, "ab") as out:
                out.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
