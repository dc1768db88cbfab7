#!/usr/bin/python3
"""A local SMTP relay for the alerts test (Debian's python3-aiosmtpd): STARTTLS required,
AUTH required (USER / PASSWORD), on 127.0.0.1 at a free port written to PORT_FILE; each message
is appended to OUT_FILE with its envelope. Runs until killed.

usage: smtp_relay.py CERT KEY PORT_FILE OUT_FILE USER PASSWORD"""
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

cert, key, port_file, out_file, user, password = sys.argv[1:7]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        with open(out_file, "a") as out:
            out.write("MAIL FROM %s RCPT %s\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos)))
            out.write(envelope.content.decode("utf-8", "replace") + "\n.\n")
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == user.encode() and auth_data.password == password.encode()
    return AuthResult(success=ok)


with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                        require_starttls=True, auth_required=True, authenticator=authenticator,
                        server_hostname="mail.lab.test")
controller.start()
with open(port_file + ".tmp", "w") as f:
    f.write(str(port))
os.rename(port_file + ".tmp", port_file)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
controller.stop()
