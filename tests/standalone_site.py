"""A blogcms installation of its own for tests that run real processes (`manage.py …`): a
fresh SQLite file or a fresh PostgreSQL database, migrated unless told not to, with its own
var/ directory.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.utils.crypto import get_random_string

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"


def wait_for(condition, timeout, what):
    """Poll `condition` every 0.1 s until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(0.1)
    return result


class StandaloneSite:
    def __init__(self, var_dir, vendor="sqlite", *, migrate=True):
        self.migrate = migrate
        self.var_dir = Path(var_dir)
        self.vendor = vendor
        if vendor == "sqlite":
            self.path = self.var_dir / "blogcms.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"blogcms_standalone_{get_random_string(8).lower()}"
            self.url = f"{POSTGRES}/{self.name}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "blogcms.settings",
            "DATABASE_URL": self.url,
            "BLOGCMS_VAR_DIR": str(self.var_dir),
            # One site's configuration, whichever database and var/ it has.
            "SECRET_KEY": "a standalone test site's key, the same for every one of them",
            "BLOGCMS_SITE_URL": "http://blog.example.org",
            "BLOGCMS_FETCH_ALLOW_LOOPBACK": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self.processes = []

    def __enter__(self):
        if self.vendor == "postgresql":
            with self.admin() as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')
        if self.migrate:
            self.manage("migrate", "--noinput", "--verbosity", "0")
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        if self.vendor == "postgresql":
            with self.admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @staticmethod
    def admin():
        return psycopg.connect(f"{POSTGRES}/postgres", autocommit=True)

    def manage(self, *args, timeout=60):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def shell(self, code):
        return self.manage("shell", "--no-imports", "-c", code)

    def start(self, *args, name="process"):
        """Start `manage.py *args`; its output goes to var_dir/<name>.out and .err."""
        out = open(self.var_dir / f"{name}.out", "w")  # noqa: SIM115 (kept by the process)
        err = open(self.var_dir / f"{name}.err", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=out, stderr=err
        )
        process.log = self.var_dir / f"{name}.err"
        self.processes.append(process)
        return process

    @staticmethod
    def stop(process, timeout=30):
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)

    def connect(self):
        """A plain DB-API connection to this site's database (not through Django)."""
        if self.vendor == "sqlite":
            return sqlite3.connect(self.path, isolation_level=None, timeout=30)
        return psycopg.connect(self.url, autocommit=True)

    def query(self, sql):
        connection = self.connect()
        try:
            return list(connection.execute(sql).fetchall())
        finally:
            connection.close()

    def task_statuses(self):
        rows = self.query("SELECT status FROM django_tasks_database_dbtaskresult")
        return sorted(status for (status,) in rows)
