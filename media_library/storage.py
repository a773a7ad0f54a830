"""The library in an S3-compatible bucket (BLOGCMS_S3_BUCKET; docs/media.md): django-storages'
S3Storage, with each object told how a browser should take it, as views.serve and the nginx
configuration say it: an image is shown, any other file is a download. Imported only when
the bucket is configured (django-storages is the optional [s3] extra)."""

from storages.backends.s3 import S3Storage

from .files import extension
from .processing import MIME_TYPES


class LibraryS3Storage(S3Storage):
    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        if extension(name) not in MIME_TYPES:
            parameters["ContentDisposition"] = "attachment"
        return parameters
