"""The commands `make run` calls on every start: safe to repeat, keeping what is there."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from posts.models import Post

pytestmark = pytest.mark.django_db


def test_ensure_admin_creates_one_admin_who_gets_the_mail(settings, tmp_path):
    """The first run makes an admin with an address (moderation mail goes there) and says
    how to log in; later runs create nobody and remind."""
    settings.VAR_DIR = tmp_path
    first = StringIO()
    call_command("ensure_admin", stdout=first)
    admin = get_user_model().objects.get(is_superuser=True)
    assert admin.email == "admin@localhost"
    assert "password: " in first.getvalue() and "/admin/" in first.getvalue()
    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert "Log in to the admin" in again.getvalue()
    assert "axes_reset_username admin" in again.getvalue()  # how to lift a login lockout


def test_load_demo_twice_loads_once():
    """Running `make run` again keeps the demo post as it is, without a copy."""
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    assert Post.objects.count() == 1
    post = Post.objects.get()
    assert post.modified_at == post.published_at  # the sitemap dates it 2011, not today


def test_ensure_admin_never_prints_a_password_that_was_changed(settings, tmp_path):
    """Once the generated admin password is changed, `make run` says so, prints no
    password, and the stale one no longer sits in var/admin-login.txt."""
    settings.VAR_DIR = tmp_path
    first = StringIO()
    call_command("ensure_admin", stdout=first)
    generated = first.getvalue().split("password: ")[1].split()[0]
    unchanged = StringIO()
    call_command("ensure_admin", stdout=unchanged)
    assert f"password: {generated}" in unchanged.getvalue()  # still true: still shown

    admin = get_user_model().objects.get(is_superuser=True)
    admin.set_password("a passphrase of my own")
    admin.save()
    changed = StringIO()
    call_command("ensure_admin", stdout=changed)
    assert "has been changed" in changed.getvalue()
    assert generated not in changed.getvalue() and "password:" not in changed.getvalue()
    assert not (tmp_path / "admin-login.txt").exists()
    later = StringIO()
    call_command("ensure_admin", stdout=later)
    assert "with your superuser account" in later.getvalue()
    assert "password:" not in later.getvalue()
