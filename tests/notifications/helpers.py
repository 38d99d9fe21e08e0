"""Shared helpers for the reply-email tests: posting as a given fan, sending the outbox,
reading the links out of a mail, and a minimal SMTP server that can refuse."""

import itertools
import re
import socketserver
import threading
from urllib.parse import urlsplit

from django.core.management import call_command

from tests.news.comment_helpers import comment_data

_fans = itertools.count(1)


def post_comment(client, article, **fields):
    """Post a valid comment to ``article`` from a client address of its own (no rate limit
    or repeat check between the fans of a test); ``fields`` replace the form's values."""
    n = next(_fans)
    fields.setdefault("body", f"Comment number {n} about the race.")
    address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    return client.post(article.get_absolute_url(), comment_data(article, **fields), REMOTE_ADDR=address)


def send_notifications():
    call_command("send_notifications", verbosity=0)


def link(mail_message, kind):
    """The path of the ``kind`` ("confirm" or "unsubscribe") link in a mail's body."""
    match = re.search(rf"https?://\S+/notifications/{kind}/\S+/", mail_message.body)
    assert match, f"no {kind} link in {mail_message.body!r}"
    return urlsplit(match.group(0)).path


class FakeSMTPServer:
    """A minimal SMTP server on 127.0.0.1: while ``refusing`` it answers every connection
    with 421 (service not available) and hangs up; otherwise it accepts every message and
    keeps its raw bytes in ``received``."""

    def __init__(self):
        self.refusing = True
        self.received = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                if outer.refusing:
                    self.reply("421 4.3.2 Service not available, try again later")
                    return
                self.reply("220 fake.test ESMTP")
                while line := self.rfile.readline():
                    command = line.decode("ascii", "replace").strip().upper()
                    if command.startswith(("EHLO", "HELO")):
                        self.reply("250 fake.test")
                    elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                        self.reply("250 OK")
                    elif command == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk)
                        outer.received.append(b"".join(data))
                        self.reply("250 OK queued")
                    elif command == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
