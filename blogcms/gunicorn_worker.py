"""gunicorn's gthread worker, with a bound on how long a client may take to send a request.

gthread reads a request head and body with blocking reads in one of its threads, and its
`timeout` only watches the worker's main loop, so a client sending its head one byte a second,
or announcing a body and never sending it, holds that thread for as long as it likes (a
minute in issue 7's measurement). Here each request may spend at most READ_BUDGET_SECONDS in
total waiting for the client's bytes; then the connection is dropped and the thread is free.
The wait before the first byte is gthread's own (5 s, then the connection waits in its poller
without a thread). In production nginx buffers whole requests before passing them on
(deploy/nginx/blogcms.conf), so this is the bound for anything that reaches gunicorn directly.
"""

import contextlib
import errno
import logging
import socket
import time

from gunicorn.http.errors import NoMoreData
from gunicorn.http.parser import RequestParser
from gunicorn.workers.gthread import TConn, ThreadWorker

READ_BUDGET_SECONDS = 5.0

log = logging.getLogger("gunicorn.error")


class RequestTooSlow(NoMoreData):
    """The client did not send its request within the budget; gunicorn treats it as a client
    that went away: the connection is closed, nothing is answered. (When a view was reading
    the body, Django logs the UnreadablePostError, as for any client that leaves mid-body.)"""

    def __str__(self):
        return f"request not received within {READ_BUDGET_SECONDS:g} s"


class BudgetedSocket:
    """The client socket as the request parser sees it: each recv() waits at most what is
    left of the request's budget. Everything else goes to the real socket."""

    def __init__(self, sock, client):
        self._sock = sock
        self._client = client
        self.budget = READ_BUDGET_SECONDS

    def recv(self, size):
        if self.budget <= 0:
            self._give_up()
        prior = self._sock.gettimeout()
        self._sock.settimeout(self.budget if prior is None else min(prior, self.budget))
        started = time.monotonic()
        try:
            return self._sock.recv(size)
        except TimeoutError:
            # gunicorn's own bounded drain (Parser.finish_body) sets a shorter timeout and
            # expects its TimeoutError back; a timeout of ours means the budget is spent.
            if prior is not None and prior < self.budget:
                raise
            self._give_up()
        finally:
            self.budget -= time.monotonic() - started
            self._sock.settimeout(prior)

    def _give_up(self):
        log.warning("Dropped %s: %s", self._client, RequestTooSlow())
        # Shut the read side too: gunicorn's graceful close would otherwise linger 2 s on
        # the worker's main loop, reading what a trickling client still sends.
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        raise RequestTooSlow()

    def __getattr__(self, name):
        return getattr(self._sock, name)


class BudgetedConn(TConn):
    def init(self):
        super().init()
        # gthread calls init() for every request on a connection: wrap the socket once.
        # HTTP/1 only: an HTTP/2 connection has its own parser and stream timeouts.
        reader = getattr(self.parser, "unreader", None)
        if type(self.parser) is RequestParser and not isinstance(reader.sock, BudgetedSocket):
            reader.sock = BudgetedSocket(reader.sock, self.client)

    def start_request(self):
        """Each request on a kept-alive connection gets a full budget."""
        if self.parser is not None and isinstance(self.parser.unreader.sock, BudgetedSocket):
            self.parser.unreader.sock.budget = READ_BUDGET_SECONDS


class BudgetedThreadWorker(ThreadWorker):
    """gthread whose threads a slow client holds for READ_BUDGET_SECONDS at most."""

    def accept(self, listener):
        # gthread's accept(), building a BudgetedConn.
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        client_sock.setblocking(True)
        self.enqueue_req(BudgetedConn(self.cfg, client_sock, client_addr, listener.getsockname()))

    def handle(self, conn):
        conn.start_request()
        return super().handle(conn)
