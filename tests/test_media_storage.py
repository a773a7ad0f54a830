"""Where uploaded images are kept: local files by default, an S3-compatible bucket by
configuration (docs/media.md)."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
answer = {"backend": settings.STORAGES["default"]["BACKEND"], "class": type(storage).__name__}
if answer["class"] == "LibraryS3Storage":
    answer["url"] = storage.url("library/2026/11/cat.webp")
    answer["params"] = storage.get_object_parameters("library/2026/11/cat.webp")
    answer["pdf_params"] = storage.get_object_parameters("library/2026/11/menu.pdf")
    answer["content_type"] = storage._get_write_parameters("library/2026/11/cat.webp")[
        "ContentType"
    ]
print(json.dumps(answer))
"""


def storage_with(**env):
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("BLOGCMS_S3")
    }
    environment.update(DJANGO_SETTINGS_MODULE="blogcms.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_uploads_are_local_files_by_default():
    """With no bucket configured, images are files under MEDIA_ROOT."""
    assert storage_with()["class"] == "FileSystemStorage"


def test_s3_bucket_by_configuration():
    """BLOGCMS_S3_BUCKET switches uploads to django-storages' S3 backend; files are public
    URLs on the configured domain, typed by their (sanitised) extension, cached long; an
    image is shown, a file that is not (a PDF) is stored as a download."""
    answer = storage_with(
        BLOGCMS_S3_BUCKET="blog-media",
        BLOGCMS_S3_ENDPOINT_URL="http://127.0.0.1:9",
        BLOGCMS_S3_CUSTOM_DOMAIN="media.example.com",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )
    assert answer["class"] == "LibraryS3Storage"
    assert answer["url"] == "https://media.example.com/library/2026/11/cat.webp"
    assert answer["content_type"] == "image/webp"
    assert answer["params"]["CacheControl"].startswith("public, max-age=31536000")
    assert "ContentDisposition" not in answer["params"]
    assert answer["pdf_params"]["ContentDisposition"] == "attachment"
    assert answer["pdf_params"]["CacheControl"] == answer["params"]["CacheControl"]
