"""Featured images: only real JPEG, PNG, GIF or WebP pictures of a bounded size.

Pillow reads the header to learn the true format and dimensions (the file name and the
browser's content type are the uploader's word, not the file's), before anything decodes
the pixels, so a decompression bomb is refused by its size alone.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def validate_image(file):
    if getattr(file, "_committed", False):
        return  # already stored, so checked when it was uploaded; re-saving the post is fine
    max_bytes = getattr(settings, "BLOGCMS_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
    max_side = getattr(settings, "BLOGCMS_IMAGE_MAX_DIMENSION", 4000)
    if file.size > max_bytes:
        raise ValidationError(
            "The image must be at most %(max)s bytes; this one is %(size)s.",
            params={"max": max_bytes, "size": file.size},
            code="image_too_large",
        )
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationError(
            "Upload a valid image. The file you uploaded was either not an image or a "
            "corrupted image.",
            code="invalid_image",
        ) from exc
    finally:
        file.seek(0)
    if kind not in ALLOWED_FORMATS:
        raise ValidationError(
            "Only JPEG, PNG, GIF or WebP images are accepted, not %(kind)s.",
            params={"kind": kind},
            code="image_format",
        )
    if width > max_side or height > max_side:
        raise ValidationError(
            "The image must be at most %(max)s × %(max)s pixels; this one is "
            "%(width)s × %(height)s.",
            params={"max": max_side, "width": width, "height": height},
            code="image_dimensions",
        )
