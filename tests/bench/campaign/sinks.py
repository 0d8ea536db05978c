#!/usr/bin/env python3
"""Receivers for the campaign benchmark (docs/benchmarks.md, workload "campaign").

One asyncio process on 127.0.0.1 runs
  - an SMTP sink for the email_notifier: enough of RFC 5321 for a client that reuses its
    session (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT); it counts accepted messages and
    the distinct Message-IDs among them, and keeps nothing else;
  - an HTTP receiver playing the SMS gateway for the sms_notifier: every POST answers
    200 {"sid": "..."} over keep-alive, counted with its distinct Idempotency-Keys;
  - GET /stats on the same HTTP port: the counts and the first/last arrival times (seconds
    since the epoch), which the driver turns into dispatch rates.

Counting distinct ids as well as arrivals is what lets the benchmark say "exactly N received":
a notifier that sent one notification twice would show more arrivals than ids.

--quickack (a diagnostic): the SMTP sink re-arms TCP_QUICKACK after every read, so it
acknowledges each segment at once instead of after the delayed-ACK timer (about 40 ms). When a
client's per-message time drops with it, that client is waiting on Nagle's algorithm: it writes
a message in several small segments without TCP_NODELAY.

Usage: sinks.py [--quickack] -> prints "smtp 127.0.0.1:PORT" and "http 127.0.0.1:PORT", then serves until
killed. Ports are chosen by the kernel (port 0).
"""
import asyncio
import json
import socket
import sys
import time

QUICKACK = "--quickack" in sys.argv[1:]


class Counter:
    def __init__(self):
        self.received = 0
        self.ids = set()
        self.first = None
        self.last = None

    def add(self, ident):
        now = time.time()
        if self.first is None:
            self.first = now
        self.last = now
        self.received += 1
        if ident:
            self.ids.add(ident)

    def stats(self):
        return {"received": self.received, "distinct": len(self.ids), "first": self.first,
                "last": self.last}


mails = Counter()
texts = Counter()


async def smtp_session(reader, writer):
    writer.write(b"220 bench-sink ESMTP\r\n")
    in_data = False
    message_id = None
    sock = writer.get_extra_info("socket")
    try:
        while True:
            line = await reader.readline()
            if QUICKACK:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            if not line:
                break
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    mails.add(message_id)
                    writer.write(b"250 OK queued\r\n")
                elif message_id is None and line[:11].lower() == b"message-id:":
                    message_id = line[11:].strip()
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(b"250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"HELO":
                writer.write(b"250 bench-sink\r\n")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                writer.write(b"250 OK\r\n")
            elif verb == b"DATA":
                in_data = True
                message_id = None
                writer.write(b"354 end with <CRLF>.<CRLF>\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"502 not implemented\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def http_session(reader, writer):
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                break
            headers = {}
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if length:
                await reader.readexactly(length)
            method, path = request_line.split()[:2]
            if method == b"GET" and path == b"/stats":
                body = json.dumps({"smtp": mails.stats(), "http": texts.stats()}).encode()
            elif method == b"POST":
                key = headers.get("idempotency-key")
                texts.add(key)
                body = json.dumps({"sid": "SM%d" % texts.received}).encode()
            else:
                body = b'{"error":"not found"}'
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    smtp = await asyncio.start_server(smtp_session, "127.0.0.1", 0)
    http = await asyncio.start_server(http_session, "127.0.0.1", 0)
    print("smtp 127.0.0.1:%d" % smtp.sockets[0].getsockname()[1], flush=True)
    print("http 127.0.0.1:%d" % http.sockets[0].getsockname()[1], flush=True)
    await asyncio.gather(smtp.serve_forever(), http.serve_forever())


if __name__ == "__main__":
    asyncio.run(main())
