"""The library in an S3-compatible bucket (BLOGCMS_S3_BUCKET; docs/media.md): django-storages'
S3Storage, with each object told how a browser should take it, as views.serve and the nginx
configuration say it: an image is shown, any other file is a download, each of the type the
library checked it as. Imported only when the bucket is configured (django-storages is the
optional [s3] extra)."""

from storages.backends.s3 import S3Storage

from .files import served_as


class LibraryS3Storage(S3Storage):
    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        # Typed here, not guessed by S3Storage from the host's mimetypes, which would add
        # Content-Encoding: gzip to a .gz or .tgz (a browser then unpacks the download).
        content_type, disposition = served_as(name) or (None, "attachment")
        if content_type:
            parameters["ContentType"] = content_type
        if disposition == "attachment":
            parameters["ContentDisposition"] = disposition
        return parameters
