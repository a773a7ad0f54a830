"""Slow clients (issue 7): in the production layout (nginx with deploy/nginx/blogcms.conf in
front of gunicorn with blogcms/gunicorn.conf.py) readers keep getting pages while 50 clients
stall their requests, and gunicorn alone drops a stalled client within seconds.

Real processes on a throw-away site (tests/production_layout.py); about 30 s in all.
"""

import json
import os
import re
import time

import pytest

from blogcms.gunicorn_worker import READ_BUDGET_SECONDS
from tests.production_layout import (
    NGINX,
    SEED_URL,
    SHIPPED_CONF,
    Gunicorn,
    Nginx,
    Site,
    SlowClients,
    fetch,
    page_view,
    read_pages,
)

pytestmark = pytest.mark.nginx

# The shipped client_header_timeout (client_body_timeout is the same).
NGINX_CLIENT_TIMEOUT = int(
    re.search(r"client_header_timeout (\d+)s;", SHIPPED_CONF.read_text()).group(1)
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("layout")).build()


@pytest.fixture(scope="module")
def gunicorn(site):
    with Gunicorn(site, f"unix:{site.folder / 'gunicorn.sock'}", workers=3) as server:
        yield server


@pytest.fixture(scope="module")
def nginx(site, gunicorn):
    if not NGINX.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/sbin/nginx is missing in CI (.ci/run installs nginx-light)")
        pytest.skip("Debian's nginx is not installed here (apt-get install nginx-light)")
    with Nginx(site.folder / "nginx", site.var, gunicorn.bind) as proxy:
        # A running site is warm: each worker has compiled its templates, the cache is full.
        read_pages(proxy.connection, seconds=2, pause=0.05)
        yield proxy


def test_page_views_answer_within_a_second_while_50_clients_stall(nginx, gunicorn):
    """25 clients send their request head at 1 byte/s and 25 announce a body and stall:
    meanwhile every page view through nginx answers 200 within 1 s, and nginx drops the
    stalled clients after its timeouts without gunicorn ever seeing their requests."""
    with SlowClients(nginx, count=50) as attack:
        # Until just before nginx may drop the first client (connecting 50 takes a moment).
        views = read_pages(nginx.connection, until=attack.started + NGINX_CLIENT_TIMEOUT - 1)
        assert attack.still_connected() == 50  # the views above all ran during the attack
        slow = [v for v in views if v.status != 200 or v.seconds >= 1]
        assert len(views) >= 6 and not slow, slow
        assert {v.path for v in views} == {"/", SEED_URL}

        deadline = attack.connected + NGINX_CLIENT_TIMEOUT + 3
        while attack.still_connected() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert attack.still_connected() == 0
        assert min(attack.hung_up.values()) > NGINX_CLIENT_TIMEOUT - 0.5
    assert "xmlrpc" not in gunicorn.log.read_text()


def test_gunicorn_alone_drops_a_stalled_client_within_its_budget(gunicorn):
    """Without nginx in front, a client trickling its head or stalling its body holds a
    gunicorn thread READ_BUDGET_SECONDS at most (gthread alone: as long as it likes)."""
    # Two clients: with three workers of two threads each, both get a thread at once.
    with SlowClients(gunicorn, count=2) as attack:
        deadline = attack.connected + READ_BUDGET_SECONDS + 3
        while attack.still_connected() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert attack.still_connected() == 0
        assert max(attack.hung_up.values()) < READ_BUDGET_SECONDS + 2
    assert page_view(gunicorn.connection, "/").status == 200
    assert gunicorn.log.read_text().count("WARNING] Dropped") == 2


def test_nginx_serves_static_and_media_files_itself(nginx, gunicorn, site):
    """Collected static files and uploads come from the var folder through nginx, hashed
    static names cached for a year, uploads never run as pages (images are shown, any
    other file is a download); gunicorn sees none of it."""
    manifest = json.loads((site.var / "static" / "staticfiles.json").read_text())["paths"]
    stylesheet = next(hashed for name, hashed in manifest.items() if name.endswith(".css"))
    status, headers, body = fetch(nginx.connection(), "GET", f"/static/{stylesheet}")
    assert status == 200 and body == (site.var / "static" / stylesheet).read_bytes()
    assert "immutable" in headers["Cache-Control"]
    upload = site.var / "media" / "2026" / "11" / "photo.jpg"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"\xff\xd8\xff\xe0 not much of a photo")
    status, headers, body = fetch(nginx.connection(), "GET", "/media/2026/11/photo.jpg")
    assert (status, body) == (200, upload.read_bytes())
    assert "sandbox" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Disposition" not in headers  # an image is shown
    for name in ("menu.pdf", "page.html"):  # any other file is a download
        (upload.parent / name).write_bytes(b"%PDF-1.4 <script>alert(1)</script>")
        status, headers, _ = fetch(nginx.connection(), "GET", f"/media/2026/11/{name}")
        assert (status, headers["Content-Disposition"]) == (200, "attachment"), name
        assert "sandbox" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
    log = gunicorn.log.read_text()
    assert "/static/" not in log and "/media/" not in log


def test_nginx_turns_away_a_flood_of_posts_from_one_address(nginx):
    """More POSTs from one address than the shipped burst get 429 from nginx; another
    address and page views are not affected."""
    statuses = [
        fetch(nginx.connection(source="127.0.2.1"), "POST", "/xmlrpc.php", b"<x/>")[0]
        for _ in range(40)
    ]
    # burst=20 nodelay, rate=2r/s: 21 at once, then 2 a second (40 take under 9 s here).
    assert set(statuses[:21]) == {200} and 429 in statuses
    assert fetch(nginx.connection(source="127.0.2.2"), "POST", "/xmlrpc.php", b"<x/>")[0] == 200
    assert fetch(nginx.connection(source="127.0.2.1"), "GET", "/")[0] == 200
