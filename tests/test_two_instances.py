"""Two app instances sharing one PostgreSQL and one Redis behave as one site (issue 10 §4).

Two gunicorn servers on their own free ports and two `db_worker` processes run the real
settings against the test database and a Redis database of their own (a fresh key prefix
per run), and are driven through HTTP as visitors and an editor would.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, build_opener

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from comments.forms import form_timestamp
from comments.models import Comment
from comments.moderation import FLOOD_MESSAGE

from .factories import CommentFactory, PostFactory

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("BLOGCMS_TEST_INSTANCES_REDIS_URL", "redis://127.0.0.1:6379/11")
SECRET_KEY = f"two-instances-{uuid.uuid4().hex}"
PASSWORD = "a long passphrase for the editor"
STARTUP_SECONDS = 60
TASK_SECONDS = 60

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="app hosts share one PostgreSQL and one Redis; CI runs this on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")


def database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start(command, env, log):
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(processes):
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


class Host:
    """One app host: gunicorn (one worker, two threads), and its task worker when asked."""

    def __init__(self, name, env, folder):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log = open(folder / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        gunicorn = [str(BIN / "gunicorn"), "-c", "blogcms/gunicorn.conf.py", "--workers", "1"]
        self.processes = [start(gunicorn, self.env, self.log)]

    def start_worker(self):
        command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*"]
        command += ["--interval", "0.1", "--no-startup-delay", "--no-reload"]
        worker = start([*command, "--worker-id", f"worker-{self.name}"], self.env, self.log)
        self.processes.append(worker)
        return worker

    def wait_until_up(self):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            for process in self.processes:
                assert process.poll() is None, f"{self.name} stopped: see {self.log.name}"
            try:
                if Browser().get(f"{self.url}/robots.txt")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer within {STARTUP_SECONDS} s")

    def stop(self):
        stop(self.processes)
        self.log.close()


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A visitor or an editor: keeps its cookies (across both hosts, as one site's cookies
    are), does not follow redirects, returns (status, headers, text)."""

    def __init__(self):
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), NoRedirect)

    def get(self, url):
        return self._open(url)

    def post(self, url, data):
        return self._open(url, urlencode(data).encode())

    def _open(self, url, data=None):
        try:
            with self.opener.open(url, data, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def csrf_token(self, url):
        status, _, text = self.get(url)
        assert status == 200, (url, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)

    def log_in(self, host, username):
        token = self.csrf_token(f"{host.url}/admin/login/")
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        status, headers, _ = self.post(f"{host.url}/admin/login/?next=/admin/", form)
        assert status == 302 and headers["Location"] == "/admin/", status


@pytest.fixture(scope="module")
def hosts(django_db_setup, tmp_path_factory):
    """Hosts A and B, up; stopped (and their Redis keys removed) after the module."""
    redis_or_skip()
    folder = tmp_path_factory.mktemp("two-instances")
    prefix = f"blogcms-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "blogcms.settings",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        "SECRET_KEY": SECRET_KEY,
        "BLOGCMS_VAR_DIR": str(folder),
        "BLOGCMS_PAGE_CACHE": "1",
        "BLOGCMS_PLAIN_STATIC": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "GUNICORN_THREADS": "2",
    }
    started = []
    try:
        for name in ("a", "b"):
            started.append(Host(name, env, folder))
        for host in started:
            host.wait_until_up()
        yield {"a": started[0], "b": started[1], "prefix": prefix}
    finally:
        for host in started:
            host.stop()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


@pytest.fixture
def shared(settings, hosts):
    """This process as a third host: the same secret, Redis and task queue, so what the
    test writes bumps the same content generation the servers read."""
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": hosts["prefix"],
    }
    settings.CACHES = {
        "default": redis,
        "ratelimit": {**redis, "KEY_PREFIX": f"{hosts['prefix']}-rl"},
    }
    settings.SECRET_KEY = SECRET_KEY
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    return hosts


@pytest.fixture
def editor(shared):
    user = get_user_model().objects.create_superuser("editor", "editor@example.com", PASSWORD)
    return user.username


def test_an_edit_through_one_host_invalidates_the_page_cached_by_the_other(shared, editor):
    """A caches a post's page; the editor takes the post down through B's admin; A stops
    serving it at once, and serves it afresh when it is published again through B."""
    a, b = shared["a"], shared["b"]
    post = PostFactory(title="Shared cache probe")
    url = f"{a.url}{post.get_absolute_url()}"
    visitor = Browser()
    assert visitor.get(url)[0] == 200
    status, headers, text = visitor.get(url)
    assert (status, headers["X-Cache"]) == (200, "hit") and "Shared cache probe" in text

    staff = Browser()
    staff.log_in(b, editor)
    changelist = f"{b.url}/admin/posts/post/"
    for action in ("unpublish", "publish"):
        form = {
            "action": action,
            "index": "0",
            "_selected_action": str(post.pk),
            "csrfmiddlewaretoken": staff.csrf_token(changelist),
        }
        assert staff.post(changelist, form)[0] == 302
        if action == "unpublish":
            assert visitor.get(url)[0] == 404
    status, headers, text = visitor.get(url)
    assert (status, headers["X-Cache"]) == (200, "miss") and "Shared cache probe" in text


def test_a_flood_limit_hit_through_one_host_holds_through_the_other(shared):
    """A visitor's comment through A starts the flood window; their next one through B,
    a moment later, is refused as WordPress refuses it (429)."""
    a, b = shared["a"], shared["b"]
    post = PostFactory()
    visitor = Browser()
    # An anonymous comment form carries no token (comments/csrf.py checks Origin instead).
    assert visitor.get(f"{a.url}{post.get_absolute_url()}")[0] == 200
    form = {
        "author": "Ann",
        "email": "ann@example.com",
        "comment": "First thought.",
        "shown_at": form_timestamp(now=0),
    }
    assert visitor.post(f"{a.url}/wp-comments-post/{post.pk}/", form)[0] == 302
    status, _, text = visitor.post(
        f"{b.url}/wp-comments-post/{post.pk}/", {**form, "comment": "Second thought."}
    )
    assert status == 429 and FLOOD_MESSAGE in text
    assert list(Comment.objects.values_list("content", flat=True)) == ["First thought."]


def test_a_comment_approved_through_one_host_shows_through_the_other_at_once(shared, editor):
    """B has cached a post's page without a held comment; the editor approves it through
    A's moderation queue; B's very next answer shows it."""
    a, b = shared["a"], shared["b"]
    post = PostFactory()
    held = CommentFactory(post=post, status=Comment.Status.PENDING, content="Held, then shown.")
    url = f"{b.url}{post.get_absolute_url()}"
    visitor = Browser()
    visitor.get(url)
    status, headers, text = visitor.get(url)
    assert headers["X-Cache"] == "hit" and "Held, then shown." not in text

    staff = Browser()
    staff.log_in(a, editor)
    token = staff.csrf_token(f"{a.url}/admin/comments/comment/")
    form = {"status": Comment.Status.APPROVED, "csrfmiddlewaretoken": token}
    assert staff.post(f"{a.url}/admin/comments/comment/{held.pk}/moderate/", form)[0] == 302
    status, headers, text = visitor.get(url)
    assert status == 200 and "Held, then shown." in text


def test_workers_on_both_hosts_share_one_queue_and_run_each_task_once(shared, tmp_path):
    """Twelve tasks queued once: the workers of A and B both take some, every task runs,
    and none runs twice."""
    from django_tasks_db.models import DBTaskResult

    from .instance_probe import record_run

    # Started here, so no earlier test's emptying of the database happens under them.
    workers = [host.start_worker() for host in (shared["a"], shared["b"])]
    time.sleep(1)  # both polling before the tasks arrive
    results = [record_run.enqueue(str(tmp_path), n) for n in range(12)]
    ids = [r.id for r in results]
    deadline = time.monotonic() + TASK_SECONDS
    while time.monotonic() < deadline:
        done = DBTaskResult.objects.filter(id__in=ids, status="SUCCESSFUL").count()
        if done == len(ids):
            break
        time.sleep(0.2)
    stop(workers)
    rows = DBTaskResult.objects.filter(id__in=ids)
    assert sorted(rows.values_list("status", flat=True)) == ["SUCCESSFUL"] * 12
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.0" for n in range(12))
    claims = [worker for r in rows for worker in r.worker_ids]
    assert len(claims) == 12 and set(claims) == {"worker-a", "worker-b"}
