"""Production settings pass Django's deployment checklist and refuse to start half-configured."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    required = ("SECRET_KEY", "ALLOWED_HOSTS", "BLOGCMS_SITE_URL", "EMAIL_BACKEND")
    environment = {k: v for k, v in os.environ.items() if k not in required}
    environment.update(
        DJANGO_SETTINGS_MODULE="blogcms.production",
        BLOGCMS_SITE_URL="https://blog.example.com",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean():
    """`check --deploy --fail-level WARNING` passes with no warning at all in production."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="blog.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS:" not in result.stderr and "SystemCheckError" not in result.stderr


def test_production_refuses_to_start_without_secrets():
    """Without SECRET_KEY or ALLOWED_HOSTS production settings stop with a clear message."""
    no_key = manage("check", ALLOWED_HOSTS="blog.example.com")
    assert no_key.returncode != 0
    assert "SECRET_KEY must be set" in no_key.stderr
    no_hosts = manage("check", SECRET_KEY=secrets.token_urlsafe(50))
    assert no_hosts.returncode != 0
    assert "ALLOWED_HOSTS must be set" in no_hosts.stderr


def test_production_refuses_to_start_without_its_public_address():
    """Mail and outgoing pingbacks name the site: production needs BLOGCMS_SITE_URL."""
    result = manage(
        "check",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="blog.example.com",
        BLOGCMS_SITE_URL="",
    )
    assert result.returncode != 0
    assert "BLOGCMS_SITE_URL must be set" in result.stderr


def test_check_deploy_flags_mail_that_never_leaves_the_machine():
    """The console mail backend (the development default) is a deploy warning."""
    result = manage(
        "check",
        "--deploy",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="blog.example.com",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    assert "blogcms.W002" in result.stderr
