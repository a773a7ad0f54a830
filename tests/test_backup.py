"""`make backup` / `make restore`: one archive brings the whole site back.

The round trip runs real `manage.py` processes on databases of their own: a site is filled,
backed up, and restored into an empty database (a fresh SQLite file, a fresh PostgreSQL
database) beside an empty media directory; the restored site must serve the same pages.
"""

import io
import json
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from posts.models import Post
from tests.factories import PostFactory
from tests.standalone_site import StandaloneSite

SEED = """
from comments.models import Comment
from tests.factories import CommentFactory, MediaItemFactory, PostFactory, image_upload

image = MediaItemFactory(upload=image_upload("teal.png", size=(400, 300), fmt="PNG"))
post = PostFactory(
    title="Restored intact", slug="restored-intact", tags=["backups"], featured_image=image
)
first = CommentFactory(post=post, content="First, a comment.")
CommentFactory(post=post, parent=first, content="Second, in reply.")
CommentFactory(
    post=post,
    type=Comment.Type.PINGBACK,
    author_name="Another blog",
    author_url="https://other.example/their-post/",
    content="[…] they wrote about it […]",
)
CommentFactory(post=post, status=Comment.Status.PENDING, content="Held for moderation.")
"""
# Each page's status and body hash (its per-request tokens masked: CSRF, the comment form's
# signed time), and the post page itself.
RENDER = """
import hashlib, json, re
from django.test import Client
from posts.models import Post

post = Post.objects.get(slug="restored-intact")
paths = [post.get_absolute_url(), f"/?p={post.pk}", "/", "/feed/", "/tag/backups/",
         post.featured_image.file.url, post.featured_image.rendition("thumbnail").url]
pages = {}
for path in paths:
    response = Client().get(path)
    body = b"".join(response) if response.streaming else response.content
    body = re.sub(rb'name="(csrfmiddlewaretoken|shown_at)" value="[^"]*"', b"", body)
    pages[path] = [response.status_code, hashlib.sha256(body).hexdigest()]
print(json.dumps({"pages": pages, "post": Client().get(post.get_absolute_url()).text}))
"""
VENDORS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def serve(site):
    site.env.update(ALLOWED_HOSTS="testserver", BLOGCMS_PAGE_CACHE="0", BLOGCMS_PLAIN_STATIC="1")
    return json.loads(site.shell(RENDER))


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_backup_restored_into_an_empty_database_serves_the_same_site(tmp_path, vendor):
    """Posts, comments, pingbacks and uploaded images come back: the restored site answers
    every page byte for byte as the one that was backed up."""
    archive = tmp_path / "site.tar.gz"
    with StandaloneSite(tmp_path / "old", vendor) as old:
        old.shell(SEED)
        before = serve(old)
        made = old.manage("backup", "--output", str(archive))
    assert f"3 media file(s) to {archive}" in made
    with tarfile.open(archive) as contents:
        names = contents.getnames()
        manifest = json.load(contents.extractfile("manifest.json"))
    assert manifest["database"]["vendor"] == vendor
    assert any(name.startswith("media/library/") for name in names)

    with StandaloneSite(tmp_path / "new", vendor, migrate=False) as new:
        new.manage("restore", str(archive))
        after = serve(new)
        image = next(new.var_dir.glob("media/library/*/*/teal.png"))
    assert after["pages"] == before["pages"]
    assert [status for status, _ in after["pages"].values()] == [200, 301, 200, 200, 200, 200, 200]
    post = after["post"]
    assert "First, a comment." in post and "Second, in reply." in post
    assert 'Pingback: <a href="https://other.example/their-post/"' in post
    assert "Held for moderation." not in post
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_has_tables_unless_forced(tmp_path, media):
    """Restoring over a working site needs --force; without it nothing changes, with it
    the site is exactly the backup again."""
    kept = PostFactory(title="In the backup")
    archive = tmp_path / "site.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    later = PostFactory(title="Written after the backup")

    with pytest.raises(CommandError, match="already has .* tables.*--force"):
        call_command("restore", str(archive))
    assert Post.objects.filter(pk=later.pk).exists()

    call_command("restore", str(archive), force=True, stdout=io.StringIO())
    assert list(Post.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_restore_refuses_an_archive_it_cannot_use(tmp_path, media):
    """A file that is not a backup, or one from the other database engine, is refused with
    a message before anything is touched."""
    post = PostFactory()
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="is not a readable blogcms backup"):
        call_command("restore", str(junk), force=True)

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "blogcms-backup",
                "version": 1,
                "created_at": "2026-11-29T00:00:00+00:00",
                "database": {"vendor": other, "file": "x"},
                "media": {"files": 0, "bytes": 0},
            }
        )
    )
    database = tmp_path / ("database.pgdump" if other == "postgresql" else "database.sqlite3")
    database.write_bytes(b"")
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as archive:
        archive.add(manifest, arcname="manifest.json")
        archive.add(database, arcname=database.name)
    with pytest.raises(CommandError, match=f"holds a {other} database"):
        call_command("restore", str(foreign), force=True)
    assert list(Post.objects.all()) == [post]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_restore_refuses_an_archive_holding_a_link(tmp_path, media, kind):
    """A link in an archive's media (media/leak -> ../database.sqlite3 stays inside the
    folder restore unpacks into) would copy the database, password hashes and all, into the
    public media folder: restore refuses any link member, before anything is touched."""
    post = PostFactory()
    archive_path = tmp_path / "site.tar.gz"
    call_command("backup", output=archive_path, stdout=io.StringIO())
    crafted = tmp_path / "crafted.tar.gz"
    with tarfile.open(archive_path, "r:gz") as source, tarfile.open(crafted, "w:gz") as archive:
        for member in source.getmembers():
            archive.addfile(member, source.extractfile(member))
        link = tarfile.TarInfo("media/leak.sqlite3")
        link.type = kind
        link.linkname = (
            "../database.sqlite3" if kind == tarfile.SYMTYPE else source.getmembers()[1].name
        )
        archive.addfile(link)
    with pytest.raises(CommandError, match="link"):
        call_command("restore", str(crafted), force=True, stdout=io.StringIO())
    assert not (media / "leak.sqlite3").exists()
    assert list(Post.objects.all()) == [post]
