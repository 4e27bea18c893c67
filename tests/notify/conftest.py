"""Real local endpoints for the channels (an HTTP robot, an SMTP server) and a savepoint-backed
session source, so deliver_due() runs its own transactions inside the test's rolled-back one."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Connection
from tests.conftest import SavepointSessions


@pytest.fixture
def sessions(connection: Connection) -> SavepointSessions:
    return SavepointSessions(connection)


@dataclass
class Robot:
    """A WeCom-style group robot: replies come from `replies` in order, then 200 errcode 0."""

    url: str
    replies: list[tuple[int, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def robot() -> Iterator[Robot]:
    state = Robot(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            state.requests.append(
                {"path": self.path, "content_type": self.headers.get("Content-Type"), "json": json.loads(raw)}
            )
            status, reply = state.replies.pop(0) if state.replies else (200, {"errcode": 0, "errmsg": "ok"})
            out = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test-key"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@dataclass
class Mailbox:
    host: str
    port: int
    # (MAIL FROM, RCPT TO list, raw message bytes)
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    reject_rcpt: bool = False


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    server: _SMTPServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        box = self.server.box
        self.reply("220 test.local ESMTP")
        sender, rcpts = "", []
        while line := self.rfile.readline():
            verb = line[:4].decode("ascii", "replace").upper()
            arg = line[5:].decode("utf-8", "replace").strip()
            if verb == "EHLO":
                self.wfile.write(b"250-test.local\r\n250 8BITMIME\r\n")
            elif verb in ("HELO", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "MAIL":
                sender, rcpts = arg.partition(":")[2].strip("<> "), []
                self.reply("250 OK")
            elif verb == "RCPT":
                if box.reject_rcpt:
                    self.reply("550 no such user")
                else:
                    rcpts.append(arg.partition(":")[2].strip("<> "))
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                box.messages.append((sender, rcpts, bytes(data)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    box: Mailbox


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    server = _SMTPServer(("127.0.0.1", 0), _SMTPHandler)
    server.box = Mailbox(host="127.0.0.1", port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.box
    server.shutdown()
    server.server_close()
    thread.join()
