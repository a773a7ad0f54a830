"""The library in an S3-compatible bucket (BLOGCMS_S3_BUCKET; docs/media.md): django-storages'
S3Storage, with each object told how a browser should take it, as views.serve and the nginx
configuration say it: an image is shown, any other file is a download, each of the type the
library checked it as. Imported only when the bucket is configured (django-storages is the
optional [s3] extra)."""

from storages.backends.s3 import S3Storage

from .files import FILE_TYPES, extension
from .processing import MIME_TYPES


class LibraryS3Storage(S3Storage):
    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        kind = extension(name)
        # Typed here, not guessed by S3Storage from the host's mimetypes, which would add
        # Content-Encoding: gzip to a .gz or .tgz (a browser then unpacks the download).
        if kind in MIME_TYPES:
            parameters["ContentType"] = MIME_TYPES[kind]
        else:
            if kind in FILE_TYPES:
                parameters["ContentType"] = FILE_TYPES[kind].mime_type
            parameters["ContentDisposition"] = "attachment"
        return parameters
