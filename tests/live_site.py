"""The site as production serves it, for the audits and the README's screenshots: gunicorn
with DEBUG off, collected static files that WhiteNoise serves compressed with far-future
caching, the demo content, a moderator, and comments that show each kind of response."""

import os
import socket
import subprocess
import sys
import urllib.request
from contextlib import contextmanager

from tests.standalone_site import ROOT, StandaloneSite, wait_for

SEED_URL = "/2011/08/19/ny-rep-serrano-opposes-s-comm-policy/"
STAFF = ("moderator", "correct horse battery staple")

# Run in the site's own process (manage.py shell): a moderator, a conversation on the seed
# post (an answer with several paragraphs and a quote, a reply to it) and a held comment
# holding a link, as the moderation list and the themes must show them.
CONTENT = f"""
from django.contrib.auth import get_user_model
from blogcms.models import SiteSettings
from comments.models import Comment
from posts.models import Post
site = SiteSettings.load()
site.comment_flood_seconds = 0  # the audits comment from one address, seconds apart
site.save()
get_user_model().objects.create_superuser({STAFF[0]!r}, "mod@example.org", {STAFF[1]!r})
post = Post.objects.get(slug="ny-rep-serrano-opposes-s-comm-policy")
answer = Comment.objects.create(
    post=post, author_name="Maria Reader", author_email="maria@example.org",
    author_url="https://maria.example.org/", status=Comment.Status.APPROVED,
    content=(
        "Thank you, Congressman, for standing up.\\n\\n"
        "<blockquote>S-Comm erodes the trust between police and the communities they "
        "serve, and it does so without a vote.</blockquote>\\n\\n"
        "That is the part people forget: nobody chose this program, and every county that "
        "tried to leave it was told it could not. A second paragraph long enough to wrap."
    ),
)
Comment.objects.create(
    post=post, parent=answer, author_name="Sam", author_email="sam@example.org",
    status=Comment.Status.APPROVED, content="Agreed, and well put.",
)
Comment.objects.create(
    post=post, author_name="Lee Visitor", author_email="lee@example.org",
    status=Comment.Status.PENDING,
    content='More on this at <a href="https://lee.example.org/s-comm">my write-up</a>.',
)
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveSite(StandaloneSite):
    """A StandaloneSite with content, served by gunicorn on a free loopback port."""

    def set_theme(self, theme):
        self.shell(
            "from blogcms.models import SiteSettings\n"
            f"s = SiteSettings.load(); s.theme = {theme!r}; s.save()"
        )


@contextmanager
def live_site(var_dir):
    var_dir.mkdir(parents=True, exist_ok=True)
    # On the database the suite runs on: PostgreSQL in CI's second pass, as in production.
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    with LiveSite(var_dir, vendor) as site:
        site.env.update(DEBUG="0", BLOGCMS_PAGE_CACHE="0", WEB_CONCURRENCY="2")
        site.env.pop("REDIS_URL", None)
        site.manage("createcachetable")
        site.manage("load_demo")
        site.manage("collectstatic", "--noinput", "--verbosity", "0", timeout=120)
        site.shell(CONTENT)
        port = free_port()
        site.base_url = f"http://127.0.0.1:{port}"
        site.env.update(HOST="127.0.0.1", PORT=str(port), BLOGCMS_SITE_URL=site.base_url)
        out = open(var_dir / "gunicorn.err", "w")  # noqa: SIM115 (kept by the process)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "blogcms/gunicorn.conf.py", "--threads", "4"],
            cwd=ROOT,
            env=site.env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
        site.processes.append(server)

        def answers():
            assert server.poll() is None, (var_dir / "gunicorn.err").read_text()
            try:
                with urllib.request.urlopen(site.base_url + "/", timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for(answers, 60, "gunicorn to answer")
        yield site
