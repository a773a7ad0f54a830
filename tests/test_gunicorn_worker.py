"""blogcms/gunicorn_worker.py: the read budget of a request, on a socket pair (no server)."""

import socket
import threading
import time

import pytest
from gunicorn.config import Config

from blogcms import gunicorn_worker
from blogcms.gunicorn_worker import BudgetedConn, BudgetedSocket, RequestTooSlow


@pytest.fixture
def short_budget(monkeypatch):
    monkeypatch.setattr(gunicorn_worker, "READ_BUDGET_SECONDS", 0.5)
    return 0.5


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def trickle(sock, data, every):
    def run():
        for byte in data:
            time.sleep(every)
            try:
                sock.send(bytes([byte]))
            except OSError:
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_trickling_client_is_dropped_when_its_budget_is_spent(pair, short_budget):
    """Bytes arriving often enough for any per-read timeout still run out the budget."""
    server, client = pair
    trickle(client, b"GET / HTTP/1.1\r\nHost: x\r\n", every=0.1)
    budgeted = BudgetedSocket(server, ("203.0.113.9", 4000))
    started = time.monotonic()
    received = b""
    with pytest.raises(RequestTooSlow):
        while True:
            received += budgeted.recv(8192)
    assert short_budget <= time.monotonic() - started < short_budget + 0.3
    assert 2 <= len(received) <= 6  # about one byte per 0.1 s of the budget
    assert server.gettimeout() is None  # the socket is blocking again, as gthread expects


def test_a_client_that_sends_nothing_is_dropped_after_the_budget(pair, short_budget):
    """A body that never comes: one read waits the budget, no longer."""
    server, _ = pair
    budgeted = BudgetedSocket(server, ("203.0.113.9", 4000))
    started = time.monotonic()
    with pytest.raises(RequestTooSlow):
        budgeted.recv(8192)
    assert short_budget <= time.monotonic() - started < short_budget + 0.3


def test_each_request_on_a_kept_alive_connection_gets_one_fresh_budget(pair, short_budget):
    """gthread initialises the connection for every request: the socket is wrapped once
    (a wrapper per request made each request on a connection slower than the last), and each
    request starts with the whole budget."""
    server, client = pair
    conn = BudgetedConn(Config(), server, ("203.0.113.9", 4000), ("127.0.0.1", 8000))
    conn.init()
    conn.init()
    budgeted = conn.parser.unreader.sock
    assert isinstance(budgeted, BudgetedSocket) and type(budgeted._sock) is socket.socket
    client.send(b"x")
    time.sleep(0.2)
    budgeted.budget = 0.1  # as if most of it had gone on a slow first request
    conn.start_request()
    assert budgeted.budget == short_budget
    assert budgeted.recv(10) == b"x"
