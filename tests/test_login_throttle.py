"""The admin login resists password guessing (django-axes): failures count per address and
per username in the database, a lock answers 429 with when to try again, lifts after the
cool-off, and staff can lift it sooner."""

import datetime
import threading
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from .factories import StaffFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"
ATTACKER = "198.51.100.66"


@pytest.fixture(autouse=True)
def _the_shipped_limits(settings):
    """The defaults in blogcms/settings.py, whatever the environment says."""
    settings.AXES_FAILURE_LIMIT = 4
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=20)


@pytest.fixture
def boss():
    return StaffFactory(username="boss", password=PASSWORD)


def log_in(username, password, ip, client=None, **extra):
    """The admin login form as a browser posts it; each call a fresh client (as another
    gunicorn worker would see it) unless one is given."""
    client = client or Client()
    data = {"username": username, "password": password, "next": "/admin/"}
    response = client.post(LOGIN, data, REMOTE_ADDR=ip, **extra)
    response.logged_in = "_auth_user_id" in client.session
    return response


def assert_locked(response):
    assert response.status_code == 429
    assert not response.logged_in
    assert "Too many failed login attempts" in response.text
    assert "Try again in" in response.text
    assert response["Retry-After"] == "1200"


def test_a_wrong_password_shows_the_form_again(boss):
    """Below the limit a wrong password is the admin's usual error, and the right one then
    logs in."""
    response = log_in("boss", "wrong", ATTACKER)
    assert response.status_code == 200 and "Please enter the correct username" in response.text
    assert log_in("boss", PASSWORD, ATTACKER).logged_in


def test_the_limit_th_failure_locks_even_the_right_password(boss, settings):
    """After AXES_FAILURE_LIMIT wrong passwords the next attempt is refused (429) even
    with the right password."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in("boss", "wrong", ATTACKER).status_code == 200
    assert_locked(log_in("boss", "wrong", ATTACKER))
    assert_locked(log_in("boss", PASSWORD, ATTACKER))


def test_thirty_usernames_from_one_address_leave_the_31st_attempt_locked(boss):
    """A spray of 30 usernames from one address: the 31st attempt, with a real account's
    right password, is locked (failures count per address, not per address+username);
    the account's owner, elsewhere, still logs in."""
    for n in range(30):
        log_in(f"guess{n}", "wrong", ATTACKER)
    assert_locked(log_in("boss", PASSWORD, ATTACKER))
    assert log_in("boss", PASSWORD, "203.0.113.5").logged_in


def test_thirty_addresses_guessing_one_username_leave_the_31st_attempt_locked(boss):
    """A distributed guess at one username from 30 addresses: the 31st attempt, from yet
    another address and with the right password, is locked (failures count per username)."""
    for n in range(30):
        log_in("boss", "wrong", f"192.0.2.{n + 1}")
    assert_locked(log_in("boss", PASSWORD, "203.0.113.99"))


def test_a_lock_holds_for_that_address_and_username_only(boss, settings):
    """Another user from another address logs in while an attacker's address is locked."""
    StaffFactory(username="editor", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(f"guess{n}", "wrong", ATTACKER)
    assert log_in("editor", PASSWORD, "203.0.113.7").logged_in


def test_counts_live_in_the_database_shared_by_every_worker(boss, settings):
    """The failures are rows in the database, which every worker and host reads: emptying
    every cache (a restart, another host) leaves the lock in place."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("boss", "wrong", ATTACKER)
    counted = sum(a.failures_since_start for a in AccessAttempt.objects.all())
    assert counted == settings.AXES_FAILURE_LIMIT
    for alias in caches:
        caches[alias].clear()
    assert_locked(log_in("boss", PASSWORD, "203.0.113.5"))


def test_the_lock_lifts_after_the_cool_off(boss, settings):
    """BLOGCMS_LOGIN_LOCKOUT_MINUTES (20) after the last failure, the right password works."""
    start = datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in("boss", "wrong", ATTACKER)
        assert "after 12:20 UTC" in log_in("boss", PASSWORD, ATTACKER).text
    with time_machine.travel(start + datetime.timedelta(minutes=19), tick=False):
        assert log_in("boss", PASSWORD, ATTACKER).status_code == 429
    # The attempt at 12:19 started the wait again.
    with time_machine.travel(start + datetime.timedelta(minutes=40), tick=False):
        assert log_in("boss", PASSWORD, ATTACKER).logged_in


def test_staff_unlock_by_deleting_the_attempts_in_the_admin(boss, settings):
    """Another administrator deletes the access attempts in the admin; the locked user
    logs in at once."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("boss", "wrong", ATTACKER)
    admin = Client()
    admin.force_login(StaffFactory(username="other-admin"))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and ATTACKER in listing.text
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert log_in("boss", PASSWORD, ATTACKER).logged_in


def test_staff_unlock_a_username_from_the_command_line(boss, settings):
    """`manage.py axes_reset_username boss` lifts the lock (for a locked-out sole admin)."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in("boss", "wrong", f"192.0.2.{n + 1}")
    assert log_in("boss", PASSWORD, "203.0.113.5").status_code == 429
    call_command("axes_reset_username", "boss", stdout=StringIO())
    assert log_in("boss", PASSWORD, "203.0.113.5").logged_in


def test_the_address_is_the_one_comments_see_behind_a_proxy(boss, settings):
    """With BLOGCMS_CLIENT_IP_HEADER set, failures are counted per visitor, not per proxy:
    one visitor's lock does not lock another behind the same proxy."""
    settings.BLOGCMS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    StaffFactory(username="editor", password=PASSWORD)
    proxy = {"HTTP_X_REAL_IP": ATTACKER}
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(f"guess{n}", "wrong", "10.0.0.1", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert log_in("editor", PASSWORD, "10.0.0.1", HTTP_X_REAL_IP="203.0.113.7").logged_in
    assert log_in("editor", PASSWORD, "10.0.0.1", **proxy).status_code == 429


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database locks whole tables; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_racing_failures_are_all_counted(settings):
    """Eight wrong passwords for one username at the same instant, as eight workers would
    take them: none fails, every one is counted (no lost update), and the right password
    is then locked."""
    StaffFactory(username="boss", password=PASSWORD)
    barrier = threading.Barrier(8)
    statuses, errors = [], []

    def guesser(n):
        try:
            client = Client()
            barrier.wait()
            statuses.append(log_in("boss", f"wrong{n}", ATTACKER, client).status_code)
        except Exception as error:  # noqa: BLE001 - a failing guesser must fail the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guesser, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(statuses) == 8 and set(statuses) <= {200, 429}
    assert sum(a.failures_since_start for a in AccessAttempt.objects.all()) == 8
    assert log_in("boss", PASSWORD, ATTACKER).status_code == 429
