"""WordPress import and export in the admin, for administrators: upload a file, the import
runs as a task and the page follows its progress to the summary; download the blog."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from posts.models import Post
from wxr.models import ImportRun

from .factories import PostFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "wxr"
ADD_URL = "/admin/wxr/importrun/add/"
EXPORT_URL = "/admin/wxr/importrun/export/"


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(username="boss"))
    return client


def upload(client, name="export.xml", content=None):
    content = content if content is not None else (DATA / "wp61-multiauthor.xml").read_bytes()
    return client.post(ADD_URL, {"file": SimpleUploadedFile(name, content, "text/xml")})


def test_an_uploaded_export_is_imported_by_a_task(
    admin_client, django_capture_on_commit_callbacks, settings
):
    """The upload answers at once with the run's page; the task (after commit) imports the
    file, and the page then shows the summary and no longer refreshes."""
    settings.TIME_ZONE = "America/New_York"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(admin_client)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{run.pk}/change/")
    assert not Post.objects.exists()  # not in the request
    page = admin_client.get(response["Location"])
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "Waiting for the worker" in page.text
    for callback in callbacks:
        callback()  # the task is enqueued; the test backend runs it at once
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.percent == 100
    assert (run.items_done, run.items_total) == (11, 11)
    assert Post.objects.posts().count() == 7
    page = admin_client.get(response["Location"])
    assert "http-equiv" not in page.text
    assert "posts: 7 new, 0 already imported" in page.text
    assert "pages: 1 new, 0 already imported" in page.text
    assert admin_client.get("/about/").status_code == 200  # the old blog's page
    assert not run.file  # the file (emails, IP addresses) is not kept


def test_a_broken_upload_fails_with_its_reason(admin_client, django_capture_on_commit_callbacks):
    """A file that is not a WordPress export ends the run as failed, saying why."""
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, content=b"<rss><channel><title>feed</title></channel></rss>")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "no wp:wxr_version" in run.summary and "Nothing was imported" in run.summary
    assert "no wp:wxr_version" in admin_client.get(f"/admin/wxr/importrun/{run.pk}/change/").text


def test_only_xml_files_are_taken(admin_client):
    """The form asks for the .xml WordPress made; anything else is refused before upload."""
    response = upload(admin_client, name="export.zip", content=b"PK")
    assert response.status_code == 200
    assert "Choose the .xml file" in response.text
    assert not ImportRun.objects.exists()


def test_editors_can_neither_import_nor_export(client):
    """As WordPress's import and export capabilities: administrators only."""
    from django.contrib.auth.models import Group

    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    assert client.get(ADD_URL).status_code == 403
    assert client.get(EXPORT_URL).status_code == 403


def test_the_blog_downloads_as_a_wordpress_export(admin_client):
    """The export link streams the WXR file as an attachment named as WordPress names it."""
    PostFactory(title="Downloaded post")
    assert EXPORT_URL in admin_client.get("/admin/wxr/importrun/").text
    response = admin_client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert ".WordPress." in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert "<wp:wxr_version>1.2</wp:wxr_version>" in body and "Downloaded post" in body
