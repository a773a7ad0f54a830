"""The production files under deploy/ are valid for the programs that read them."""

import re
import shutil
import subprocess

import pytest

from tests.production_layout import NGINX, ROOT, Nginx

UNITS = ROOT / "deploy" / "systemd"


def test_the_shipped_nginx_config_passes_nginx_t(tmp_path):
    """deploy/nginx/blogcms.conf is valid nginx (ports, paths and certificate swapped for
    this machine's, as tests/test_slow_clients.py runs it)."""
    if not NGINX.exists():
        pytest.skip("Debian's nginx is not installed here (apt-get install nginx-light)")
    proxy = Nginx(tmp_path, tmp_path / "var", f"unix:{tmp_path / 'gunicorn.sock'}")
    proxy.write_config()
    check = subprocess.run(proxy.command("-t"), capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    assert "syntax is ok" in check.stderr


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """deploy/systemd/*: systemd accepts the units (the install folder and user swapped for
    this checkout and root, since verify checks that commands exist)."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here")
    env_file = tmp_path / "blogcms.env"
    env_file.write_text("DJANGO_SETTINGS_MODULE=blogcms.production\n")
    units = []
    for shipped in sorted(UNITS.glob("blogcms-*")):
        text = shipped.read_text()
        assert "/srv/blogcms/app/" in text or shipped.suffix == ".socket"
        text = text.replace("/srv/blogcms/app", str(ROOT))
        text = text.replace("/etc/blogcms/blogcms.env", str(env_file))
        text = re.sub(r"^(User|Group|SocketUser)=blogcms$", r"\1=root", text, flags=re.M)
        (tmp_path / shipped.name).write_text(text)
        units.append(tmp_path / shipped.name)
    assert {u.name for u in units} == {
        "blogcms-web.socket",
        "blogcms-web.service",
        "blogcms-worker.service",
    }
    check = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0 and not check.stderr.strip(), check.stderr
