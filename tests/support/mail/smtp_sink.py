#!/usr/bin/python3
"""SMTP server for the test suite: accepts mail for any local@domain recipient and delivers
each message into one Maildir per recipient (MAILDIRS/<local>@<domain>/), where Dovecot
serves it over POP3/IMAP and tests read it directly.

It listens on two loopback ports, both bound to port 0 so parallel runs never collide:
  plain      no TLS; AUTH PLAIN/LOGIN offered but optional (like an internal relay)
  submission STARTTLS required before anything else, then AUTH PLAIN/LOGIN required
             (like a provider's submission port)
The bound ports are written to --ports-file, ending in a "ready" line, once both listeners
are up. Started and stopped
by mail_fixture.sh; runs until SIGTERM or SIGINT.

Built on aiosmtpd (Debian package python3-aiosmtpd), a maintained SMTP server library; this
file only adds the Maildir delivery, the credential check and the port-0 binding.
"""

import argparse
import logging
import mailbox
import os
import pwd
import re
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

log = logging.getLogger("smtp_sink")

# A recipient becomes a directory name, so it must not be able to escape MAILDIRS.
RECIPIENT = re.compile(r"^[a-z0-9][a-z0-9._+=-]*@[a-z0-9][a-z0-9.-]*$")


class MaildirDelivery:
    """aiosmtpd handler: every accepted message lands in each recipient's Maildir."""

    def __init__(self, maildirs):
        self.maildirs = maildirs

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        address = address.lower()
        if not RECIPIENT.match(address):
            return "553 5.1.3 Recipient must be a plain local@domain address"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # aiosmtpd keeps the null sender (bounces) as the literal "<>".
        sender = "" if envelope.mail_from in (None, "<>") else envelope.mail_from
        for recipient in envelope.rcpt_tos:
            # What a delivering MTA adds, so tests can check the envelope sender and which
            # envelope recipient (To, Cc or Bcc) a copy was delivered for.
            trace = f"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n".encode()
            # Maildir.add writes into tmp/ and renames into new/, so a reader never sees
            # a half-written message.
            box = mailbox.Maildir(os.path.join(self.maildirs, recipient), factory=None, create=True)
            key = box.add(trace + envelope.original_content)
            log.info("delivered %s from <%s> to %s", key, sender, recipient)
        return "250 Message accepted for delivery"


class CommonSMTP(SMTP):
    """aiosmtpd's SMTP with the AUTH LOGIN prompts that Postfix, Exchange and Cyrus SASL send.
    Clients such as Poco read the prompt to know which credential is asked for, and do not
    recognise aiosmtpd's own "User Name" prompt."""

    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"


class BoundController(Controller):
    """A Controller serving an already bound socket: binding port 0 ourselves is the only
    race-free way to get a free port, and Controller itself needs the port up front."""

    def __init__(self, handler, sock, **kwargs):
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self.sock = sock

    def factory(self):
        return CommonSMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self.sock, ssl=self.ssl_context)


def bind_loopback():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    return sock


def make_authenticator(user, password):
    expected = LoginPassword(user.encode(), password.encode())

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data == expected
        if not ok:
            log.info("AUTH %s refused for %r", mechanism, getattr(auth_data, "login", None))
        # handled=False makes aiosmtpd answer "535 5.7.8 Authentication credentials invalid";
        # the default would leave the client waiting for a reply that never comes.
        return AuthResult(success=ok, handled=False)

    return authenticate


def drop_privileges(user):
    """Delivered files must belong to the user Dovecot reads the Maildirs as."""
    if os.getuid() != 0 or not user:
        return
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maildirs", required=True, help="directory holding one Maildir per recipient")
    parser.add_argument("--cert", required=True, help="PEM certificate for STARTTLS")
    parser.add_argument("--key", required=True, help="PEM private key for STARTTLS")
    parser.add_argument("--user", required=True, help="AUTH user name")
    parser.add_argument("--password", required=True, help="AUTH password")
    parser.add_argument("--ports-file", required=True, help="where to write the bound ports")
    parser.add_argument("--run-as", default="", help="user to switch to when started as root")
    args = parser.parse_args()

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")

    # Everything that needs root (reading the key, opening the ports file) happens before the
    # switch to the Maildir owner.
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    plain_sock = bind_loopback()
    submission_sock = bind_loopback()
    # Opened now: the Maildir owner may not be allowed to create files where the fixture keeps
    # its own.
    ports_file = open(args.ports_file, "w")
    drop_privileges(args.run_as)

    handler = MaildirDelivery(args.maildirs)
    authenticator = make_authenticator(args.user, args.password)
    plain = BoundController(handler, plain_sock, server_hostname="cxloop-test-smtp",
                            authenticator=authenticator, auth_require_tls=False)
    submission = BoundController(handler, submission_sock, server_hostname="cxloop-test-smtp",
                                 tls_context=tls, require_starttls=True,
                                 authenticator=authenticator, auth_required=True,
                                 auth_require_tls=True)
    plain.start()
    submission.start()

    # One write of the whole report; "ready" last tells the fixture the report is complete.
    ports_file.write(f"plain={plain.port}\nsubmission={submission.port}\nready\n")
    ports_file.close()
    log.info("listening: plain 127.0.0.1:%d, STARTTLS+AUTH 127.0.0.1:%d", plain.port, submission.port)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(3600):
        pass
    plain.stop()
    submission.stop()
    log.info("stopped")


if __name__ == "__main__":
    main()
