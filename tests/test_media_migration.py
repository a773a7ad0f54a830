"""Upgrading a blog whose posts had featured images uploaded straight onto the post."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import ExifTags, Image

BEFORE = [("posts", "0005_editors_manage_pages"), ("media_library", "0001_initial")]


def photo_with_gps():
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (52.0, 31.0, 12.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), "teal").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets or executor.loader.graph.leaf_nodes()).apps


@pytest.mark.django_db(transaction=True)
def test_featured_images_become_library_items(settings, tmp_path):
    """Each post's featured image becomes a cleaned library item with its sizes and the
    post's image description as alt text; the old file (with its GPS) is removed; a post
    whose file is missing keeps its image reference."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path
    old_apps = migrate(BEFORE)
    try:
        User = old_apps.get_model("auth", "User")
        Post = old_apps.get_model("posts", "Post")
        author = User.objects.create(username="writer")
        old_name = default_storage.save("featured/2020/01/beach.jpg", ContentFile(photo_with_gps()))
        fields = {"author": author, "body": "<p>x</p>", "status": "publish"}
        with_image = Post.objects.create(
            title="Beach",
            slug="beach",
            featured_image=old_name,
            featured_image_alt="Sand and sea",
            featured_image_width=1200,
            featured_image_height=800,
            **fields,
        )
        missing = Post.objects.create(
            title="Lost",
            slug="lost",
            featured_image="featured/2020/01/gone.png",
            featured_image_alt="Gone",
            featured_image_width=10,
            featured_image_height=10,
            **fields,
        )
        Post.objects.create(title="Plain", slug="plain", **fields)
    finally:
        new_apps = migrate(None)

    Post = new_apps.get_model("posts", "Post")
    beach = Post.objects.select_related("featured_image").get(pk=with_image.pk)
    item = beach.featured_image
    assert item.alt_text == "Sand and sea" and (item.width, item.height) == (1200, 800)
    assert item.uploaded_by_id == with_image.author_id and item.mime_type == "image/jpeg"
    assert item.sizes["large"] == {
        "file": item.file.name.replace(".jpg", "-1024x683.jpg"),
        "width": 1024,
        "height": 683,
    }
    with default_storage.open(item.file.name) as handle:
        assert not Image.open(handle).getexif()
    assert not default_storage.exists(old_name)
    lost = Post.objects.select_related("featured_image").get(pk=missing.pk)
    assert lost.featured_image.file.name == "featured/2020/01/gone.png"
    assert lost.featured_image.alt_text == "Gone"
    assert Post.objects.get(slug="plain").featured_image is None
