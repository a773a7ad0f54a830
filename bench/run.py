"""`make bench`: how fast blogcms serves anonymous readers, next to WordPress's figures.

Builds a throw-away site in a temporary folder (SQLite database, file cache, static files):
migrate, load_demo, then bench/content.py (the seed post with 50 responses, 30 more posts).
Serves it with gunicorn (blogcms/gunicorn.conf.py, 127.0.0.1 on a free port, 2 × cores + 1
workers) twice: with the page cache, then with it switched off (BLOGCMS_PAGE_CACHE=0), and
loads each page with a bounded number of keep-alive connections for a bounded time: `wrk`
when it is installed, else a small Python client (a fixed number of requests, and a time
limit). Prints requests/s, latency p50/p95, and the memory of the gunicorn workers.

Everything it starts is stopped and its folder removed, whatever happens.

    python bench/run.py [--seconds 10] [--connections 16] [--client wrk|python] [--keep]
                        [--redis redis://127.0.0.1:6379/15] [--json results.json]
"""

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED_URL = "/2011/08/19/ny-rep-serrano-opposes-s-comm-policy/"
# (label, path, WordPress's requests/s on the same 2-core machine, from
# ../shared/reference/wordpress-behaviour.md; None where it gives no figure)
PAGES = [
    ("post, 50 responses", SEED_URL, 12),
    ("home", "/", 44),
    ("category", "/category/news/", None),
    ("feed", "/feed/", None),
]
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "errors": %d, "bad": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Site:
    """The throw-away site: its folder, its environment, its setup commands."""

    def __init__(self, keep=False, redis_url=None):
        self.dir = Path(tempfile.mkdtemp(prefix="blogcms-bench-"))
        self.keep = keep
        self.env = {
            **os.environ,
            "BLOGCMS_VAR_DIR": str(self.dir),
            "DATABASE_URL": f"sqlite:///{self.dir / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "blogcms.settings",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(2 * os.cpu_count() + 1),
        }
        # The file cache in the temporary folder, unless a Redis database is given for it
        # (it is emptied: give one nobody else uses, e.g. redis://127.0.0.1:6379/15).
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url

    def manage(self, *args):
        subprocess.run([BIN / "python", "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def build(self):
        if "REDIS_URL" in self.env:
            clear = "from django.core.cache import cache; cache.clear()"
            self.manage("shell", "--command", clear)
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("load_demo")
        subprocess.run(
            [BIN / "python", ROOT / "bench" / "content.py"], cwd=ROOT, env=self.env, check=True
        )
        self.manage("collectstatic", "--noinput", "--verbosity", "0")

    def remove(self):
        if self.keep:
            print(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """gunicorn with the project's config, in its own process group so all of it stops.
    `app` replaces blogcms with another WSGI app (the trivial yardstick), same settings."""

    def __init__(self, site, page_cache, app=None, name=None):
        self.port = free_port()
        self.env = {
            **site.env,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "BLOGCMS_PAGE_CACHE": "1" if page_cache else "0",
        }
        self.app = app
        name = name or ("cache" if page_cache else "nocache")
        self.log_path = site.dir / f"gunicorn-{name}.log"
        self.process = None

    def __enter__(self):
        log = self.log_path.open("wb")
        command = [BIN / "gunicorn", "-c", "blogcms/gunicorn.conf.py", "--no-control-socket"]
        self.process = subprocess.Popen(
            [*command, *([self.app] if self.app else [])],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if fetch(self.port, "/")[0] == 200 and len(self.worker_pids()) >= 1:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def worker_pids(self):
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def worker_cpu_seconds(self):
        """User and system CPU time the workers have used so far."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14, 15)
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_memory(self):
        """(RSS, PSS) of every worker in MiB; PSS shares the forked pages fairly."""
        memory = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            rss = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
            pss = next(int(line.split()[1]) for line in rollup.splitlines() if line[:4] == "Pss:")
            memory.append((rss / 1024, pss / 1024))
        return memory


NGINX_CONF = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/nginx-tmp;
    proxy_temp_path {dir}/nginx-tmp;
    fastcgi_temp_path {dir}/nginx-tmp;
    uwsgi_temp_path {dir}/nginx-tmp;
    scgi_temp_path {dir}/nginx-tmp;
    server {{
        listen 127.0.0.1:{port};
        root {dir};
        location / {{ default_type text/html; try_files /post.html =404; }}
    }}
}}
"""


class Nginx:
    """nginx (one worker) serving the post page's bytes as a file: what a front server
    answering from published page files would do (docs/page-cache.md)."""

    def __init__(self, site):
        # Its own folder, readable by nginx's unprivileged worker: the page and nothing else.
        self.dir = Path(tempfile.mkdtemp(prefix="blogcms-bench-nginx-"))
        self.dir.chmod(0o755)
        shutil.copy(site.dir / "post.html", self.dir / "post.html")
        (self.dir / "post.html").chmod(0o644)
        self.port = free_port()
        self.process = None

    def __enter__(self):
        (self.dir / "nginx-tmp").mkdir(exist_ok=True)
        conf = self.dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=self.dir, port=self.port))
        self.process = subprocess.Popen(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-c", conf, "-p", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if fetch(self.port, "/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("nginx did not serve the page within 20 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)

    def worker_cpu_seconds(self):
        return 0.0  # not counted: its own C code, beside gunicorn's workers


def load_with_wrk(port, path, seconds, connections, headers=()):
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_REPORT)
    try:
        command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", script]
        for header in headers:
            command += ["-H", header]
        out = subprocess.run(
            [*command, f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
    finally:
        script.unlink()
    result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    return {
        "rps": result["requests"] / result["seconds"],
        "p50": result["p50"],
        "p95": result["p95"],
        "requests": result["requests"],
        "failed": result["errors"] + result["bad"],
    }


def _python_client(port, path, count, deadline, headers):
    """One keep-alive connection: `count` requests at most, until `deadline`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, failed = [], 0
    began = time.monotonic()  # system-wide on Linux, so comparable across the processes
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                failed += 1
        except (OSError, http.client.HTTPException):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.append((time.perf_counter() - started) * 1000)
    conn.close()
    return latencies, failed, began, time.monotonic()


def load_with_python(port, path, seconds, connections, headers=(), requests=20000):
    header_dict = dict(h.split(": ", 1) for h in headers)
    deadline = time.monotonic() + seconds
    with ProcessPoolExecutor(connections) as pool:
        jobs = [
            pool.submit(_python_client, port, path, requests // connections, deadline, header_dict)
            for _ in range(connections)
        ]
        results = [job.result() for job in jobs]
    # From the first request sent to the last answer, not counting the processes' start.
    elapsed = max(r[3] for r in results) - min(r[2] for r in results)
    latencies = sorted(ms for r in results for ms in r[0])
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p95": latencies[int(len(latencies) * 0.95)],
        "requests": len(latencies),
        "failed": sum(r[1] for r in results),
    }


def measure(server, label, path, args, headers=(), yardstick=None):
    """One page under load; with `yardstick` (the trivial app's server), that app is loaded
    just before, so that the ratio compares two figures taken under the same machine load."""
    load = load_with_wrk if args.client == "wrk" else load_with_python
    trivial_rps = trivial_cpu_ms = None
    if yardstick is not None:
        load(yardstick.port, path, 1, args.connections)
        before = yardstick.worker_cpu_seconds()
        trivial = load(yardstick.port, path, args.seconds, args.connections)
        trivial_rps = trivial["rps"]
        spent = yardstick.worker_cpu_seconds() - before
        trivial_cpu_ms = spent * 1000 / max(trivial["requests"], 1)
    # Warm every worker (templates, connections, the cache entry) before measuring.
    load(server.port, path, 1, args.connections, headers)
    status, response_headers, _ = fetch(server.port, path, dict(h.split(": ", 1) for h in headers))
    cpu_before = server.worker_cpu_seconds()
    result = load(server.port, path, args.seconds, args.connections, headers)
    # CPU time per request barely depends on what else the machine runs, unlike req/s;
    # cores / CPU time is what the workers could serve on otherwise idle cores.
    cpu_ms = (server.worker_cpu_seconds() - cpu_before) * 1000 / max(result["requests"], 1)
    return {
        "cpu_ms": cpu_ms,
        "idle_rps": os.cpu_count() * 1000 / cpu_ms if cpu_ms else float("inf"),
        "page": label,
        "path": path,
        "status": status,
        "x_cache": response_headers.get("X-Cache", "-"),
        "trivial_rps": trivial_rps,
        "trivial_cpu_ms": trivial_cpu_ms,
        **result,
    }


def run_mode(site, page_cache, args, yardstick):
    """Every page with the cache on or off; `yardstick()` gives the trivial app's server,
    started once the post page's bytes it serves are known."""
    rows = []
    with Server(site, page_cache) as server:
        mode = "cache" if page_cache else "no cache"
        body = site.dir / "post.html"
        if not body.exists():
            body.write_bytes(fetch(server.port, SEED_URL)[2])
        trivial = yardstick()
        for label, path, wordpress in PAGES:
            row = measure(server, label, path, args, yardstick=trivial)
            rows.append({**row, "mode": mode, "wordpress": wordpress})
            print(f"  {mode:8} {label:20} {row['rps']:8.1f} req/s", flush=True)
        if page_cache:
            for label, path in (("post, If-None-Match", SEED_URL), ("home, If-None-Match", "/")):
                _, headers, _ = fetch(server.port, path)
                etag = [f"If-None-Match: {headers['ETag']}"]
                row = measure(server, label, path, args, etag, yardstick=trivial)
                rows.append({**row, "mode": mode, "wordpress": None})
                print(f"  {mode:8} {row['page']:20} {row['rps']:8.1f} req/s", flush=True)
        memory = server.worker_memory()
    return rows, memory


def table(rows, memories):
    """Each page's req/s also as a ratio to the trivial app's, loaded just before it."""
    lines = [
        "| page | page cache | status (X-Cache) | req/s | trivial app req/s | × trivial app "
        "| p50 ms | p95 ms | worker CPU ms/req | trivial app CPU ms/req | × trivial app (CPU) "
        "| req/s on idle cores | WordPress req/s | × WordPress |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        wp = r["wordpress"]
        versus = f"{r['rps'] / wp:.1f}×" if wp else "–"
        failed = f", {r['failed']} failed" if r["failed"] else ""
        # nginx's own CPU time is not counted (only gunicorn workers are).
        cpu, idle = (f"{r['cpu_ms']:.2f}", f"{r['idle_rps']:.0f}") if r["cpu_ms"] else ("–", "–")
        # The same ratio from CPU time: steadier than req/s when the machine is busy.
        by_cpu = f"{r['trivial_cpu_ms'] / r['cpu_ms']:.3f}" if r["cpu_ms"] else "–"
        lines.append(
            f"| {r['page']} | {r['mode']} | {r['status']} ({r['x_cache']}){failed} "
            f"| {r['rps']:.0f} | {r['trivial_rps']:.0f} | {r['rps'] / r['trivial_rps']:.3f} "
            f"| {r['p50']:.1f} | {r['p95']:.1f} | {cpu} | {r['trivial_cpu_ms']:.2f} | {by_cpu} "
            f"| {idle} | {wp or '–'} | {versus} |"
        )
    lines.append("")
    for mode, memory in memories.items():
        rss = [m[0] for m in memory]
        pss = [m[1] for m in memory]
        lines.append(
            f"gunicorn workers ({mode}): {len(memory)} workers, RSS {min(rss):.0f}–{max(rss):.0f} "
            f"MiB each ({sum(rss):.0f} MiB summed), PSS {sum(pss):.0f} MiB in all"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="load time per page (max 60)")
    # 16, not 8: gunicorn's gthread workers accept connections greedily and a keep-alive
    # connection stays with its worker, so 8 often landed on one or two of the 5 workers and
    # a slow page was measured on one core (185 to 378 req/s for the same 5.4 ms page).
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    parser.add_argument(
        "--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary site folder")
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="cache in this Redis database (emptied first) instead of files",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    args.seconds = max(1, min(args.seconds, 60))
    args.connections = max(1, min(args.connections, 64))
    # Killed (`timeout`, a closed terminal): still stop gunicorn and remove the folder.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    site = Site(keep=args.keep, redis_url=args.redis)
    try:
        print(f"building the site in {site.dir}", flush=True)
        site.build()
        load_before = os.getloadavg()[0]
        print(
            f"measuring with {args.client}: {args.connections} connections, {args.seconds} s "
            f"per page, {site.env['WEB_CONCURRENCY']} gunicorn workers on {os.cpu_count()} cores, "
            f"{'Redis' if args.redis else 'file'} cache; "
            f"load average {load_before:.2f} (other busy processes lower the figures)",
            flush=True,
        )
        rows, memories = [], {}
        with contextlib.ExitStack() as stack:
            started = []

            def yardstick():
                """The trivial WSGI app (bench/trivial_app.py) serving the post page's bytes."""
                if not started:
                    site.env["BENCH_TRIVIAL_BODY"] = str(site.dir / "post.html")
                    app = "bench.trivial_app:application"
                    server = Server(site, False, app=app, name="trivial")
                    started.append(stack.enter_context(server))
                return started[0]

            for page_cache in (True, False):
                mode_rows, memory = run_mode(site, page_cache, args, yardstick)
                rows += mode_rows
                memories["cache" if page_cache else "no cache"] = memory
            if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
                try:
                    with Nginx(site) as nginx:
                        trivial = yardstick()
                        row = measure(nginx, "post as a file", SEED_URL, args, yardstick=trivial)
                except RuntimeError as error:
                    print(f"  nginx left out: {error}", flush=True)
                else:
                    rows.append({**row, "mode": "nginx", "wordpress": 12, "cpu_ms": 0.0})
                    print(f"  {'nginx':8} {row['page']:20} {row['rps']:8.1f} req/s", flush=True)
    finally:
        site.remove()
    print()
    print(table(rows, memories))
    if args.json:
        results = {"rows": rows, "memory": memories, "load_average_before": load_before}
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
