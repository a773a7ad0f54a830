"""Uploaded images: decoded, checked, cleaned and resized before anything is stored.

Nothing about an upload is taken on trust. Its name and the browser's content type are
ignored: Pillow reads the header to learn the real format and size, refuses a
decompression bomb by those numbers before decoding a pixel, then verifies and decodes
the whole file. What is stored is never the uploaded bytes but a fresh encoding of the
decoded pixels, turned upright by its EXIF orientation, so EXIF (with GPS), XMP,
comments and anything smuggled after the image data (a GIF+JS polyglot) are gone.
The ICC colour profile is kept: it describes colours, not people, and without it
wide-gamut phone photos look dull.

Like WordPress, the original is scaled down to 2560 px when larger
(big_image_size_threshold) and each upload gets the default sizes of Settings → Media:
thumbnail 150×150 cropped, medium 300, medium_large 768 wide and large 1024, never
upscaled (image_resize_dimensions()). An animated GIF keeps its animation in the
original, its sizes are its first frame (as WordPress's resized GIFs); an animated WebP
keeps its first frame only.
"""

import io
import os
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

# Pillow format → (MIME type, file extension). Nothing else is ever stored.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
MIME_TYPES = {extension: mime for mime, extension in FORMATS.values()} | {"jpeg": "image/jpeg"}

# WordPress's wp_editor_set_quality default.
QUALITY = 82
# WordPress's big_image_size_threshold: larger originals are scaled down to this.
BIG_IMAGE_THRESHOLD = 2560
# Errors Pillow raises on a corrupt, truncated or hostile file.
DECODE_ERRORS = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
)


@dataclass(frozen=True)
class Size:
    """One of WordPress's registered image sizes (add_image_size); height 0 is unbounded."""

    name: str
    width: int
    height: int
    crop: bool = False

    def dimensions_for(self, width, height):
        """The size's dimensions for a `width`×`height` image, or None when it would not
        be smaller (WordPress never upscales: image_resize_dimensions())."""
        if self.crop:
            target = (min(width, self.width), min(height, self.height))
            return None if target == (width, height) else target
        ratios = [self.width / width]
        if self.height:
            ratios.append(self.height / height)
        ratio = min(ratios)
        if ratio >= 1:
            return None
        return max(1, round(width * ratio)), max(1, round(height * ratio))


SIZES = (
    Size("thumbnail", 150, 150, crop=True),
    Size("medium", 300, 300),
    Size("medium_large", 768, 0),
    Size("large", 1024, 1024),
)
SIZE_NAMES = tuple(size.name for size in SIZES) + ("full",)


@dataclass
class Encoded:
    content: bytes
    width: int
    height: int


@dataclass
class CleanImage:
    """A decoded, upright, metadata-free image ready to store, with its sizes."""

    format: str
    stem: str
    original: Encoded
    sizes: dict[str, Encoded] = field(default_factory=dict)

    @property
    def mime_type(self):
        return FORMATS[self.format][0]

    @property
    def extension(self):
        return FORMATS[self.format][1]


def max_bytes():
    return getattr(settings, "BLOGCMS_IMAGE_MAX_BYTES", 10 * 1024 * 1024)


def max_pixels():
    return getattr(settings, "BLOGCMS_IMAGE_MAX_PIXELS", 40_000_000)


def safe_stem(filename, default="image"):
    """The upload's name as a file name stem: ASCII, slugified, short; never a path."""
    stem = os.path.splitext(os.path.basename(str(filename or "").replace("\\", "/")))[0]
    return slugify(stem)[:60].strip("-_") or default


def refuse(message, code, **params):
    """Why an upload is not kept, as the form and the import show it."""
    raise ValidationError(message, code=code, params=params)


def clean_upload(upload):
    """Decode `upload` (a Django File) and return it cleaned and resized, or raise a
    ValidationError saying why it is refused."""
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        refuse(
            "The image must be at most %(max)s bytes; this one is %(size)s.",
            "image_too_large",
            max=limit,
            size=upload.size,
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:  # the declared size was wrong
        refuse("The image must be at most %(max)s bytes.", "image_too_large", max=limit)
    try:
        return _clean(data, safe_stem(upload.name))
    except ValidationError:
        raise
    except DECODE_ERRORS as exc:
        raise ValidationError(
            "Upload a valid image. The file you uploaded was either not an image or a "
            "corrupted image.",
            code="invalid_image",
        ) from exc


def _clean(data, stem):
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            kind, (width, height) = probe.format, probe.size
            frames = getattr(probe, "n_frames", 1) if kind == "GIF" else 1
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours
        refuse(
            "The image is too large to process: more than %(max)s pixels in all.",
            "image_dimensions",
            max=f"{max_pixels():,}",
        )
    if kind == "MPO":
        # Many cameras' JPEGs carry extra pictures (MPF: previews, depth maps); Pillow calls
        # them MPO. The first picture is the photo: stored as a plain JPEG.
        kind = "JPEG"
    if kind not in FORMATS:
        refuse(
            "Only JPEG, PNG, GIF or WebP images are accepted, not %(kind)s.",
            "image_format",
            kind=kind,
        )
    limit = max_pixels()
    if width * height * frames > limit:
        refuse(
            "The image is too large to process: %(width)s × %(height)s pixels"
            "%(frames)s is more than %(max)s pixels in all.",
            "image_dimensions",
            width=width,
            height=height,
            frames=f" × {frames} frames" if frames > 1 else "",
            max=f"{limit:,}",
        )
    with Image.open(io.BytesIO(data)) as image:
        image.verify()  # checksums and structure, before the pixels are decoded
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if kind == "GIF" and frames > 1:
            original = _encode_animation(image)
            image.seek(0)
            first = _scaled(_upright(image.copy()))
        else:
            first = _scaled(_upright(image))
            original = _encode(first, kind)
    clean = CleanImage(kind, stem, original)
    for size in SIZES:
        if dimensions := size.dimensions_for(*first.size):
            clean.sizes[size.name] = _encode(_resized(first, size, dimensions), kind)
    return clean


def _upright(image):
    """The image turned as its EXIF orientation says, with no metadata left but the ICC
    profile (what Pillow keeps in .info is written back out by some encoders)."""
    icc = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    upright = ImageOps.exif_transpose(image)  # a copy, turned if EXIF says so
    upright.info = {}
    if icc:
        upright.info["icc_profile"] = icc
    if transparency is not None and upright.mode in ("P", "L", "RGB"):
        upright.info["transparency"] = transparency
    return upright


def _scaled(image):
    """Originals above WordPress's big_image_size_threshold are scaled down to it."""
    width, height = image.size
    if max(width, height) <= BIG_IMAGE_THRESHOLD:
        return image
    dimensions = Size("scaled", BIG_IMAGE_THRESHOLD, BIG_IMAGE_THRESHOLD).dimensions_for(
        width, height
    )
    return _resized(image, None, dimensions)


def _resized(image, size, dimensions):
    info = dict(image.info)
    info.pop("transparency", None)  # applied below: an alpha channel resamples smoothly
    if image.mode in ("P", "PA", "LA", "I;16", "I", "F") or "transparency" in image.info:
        image = image.convert("RGBA")
    if size is not None and size.crop:
        resized = ImageOps.fit(image, dimensions, Image.Resampling.LANCZOS)
    else:
        resized = image.resize(dimensions, Image.Resampling.LANCZOS)
    resized.info = info
    return resized


def _encode(image, kind):
    """A fresh file in `kind` from decoded pixels: only what we pass is written."""
    options = {}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    if kind == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=QUALITY, optimize=True, progressive=True)
    elif kind == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            image = image.convert("RGBA")
        options.update(optimize=True)
    elif kind == "GIF":
        if image.mode not in ("P", "L", "1"):
            image = image.convert("RGBA")
        options.pop("icc_profile", None)
    elif kind == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        options.update(quality=QUALITY)
    if "transparency" in image.info and kind in ("PNG", "GIF"):
        options["transparency"] = image.info["transparency"]
    clean = image.copy()
    clean.info = {}  # nothing from the source (comments, XMP, EXIF) reaches the encoder
    buffer = io.BytesIO()
    clean.save(buffer, kind, **options)
    return Encoded(buffer.getvalue(), *image.size)


def _encode_animation(image):
    """An animated GIF re-encoded frame by frame: its animation, nothing else."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration", 100))
        copy = frame.convert("RGBA")
        copy.info = {}
        frames.append(copy)
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=image.info.get("loop", 0),
        disposal=2,
    )
    return Encoded(buffer.getvalue(), *image.size)


@dataclass
class StoredFiles:
    """Where a CleanImage went: the original's storage name and each size's."""

    name: str
    sizes: dict[str, dict] = field(default_factory=dict)

    def names(self):
        return [self.name, *(size["file"] for size in self.sizes.values())]


# Every file of the library is stored under this folder of the storage.
LIBRARY_FOLDER = "library/"


def library_folder(month=None):
    """Where a new file goes: library/YYYY/MM/ as WordPress's uploads/YYYY/MM/, the month
    of the upload, or `month` ("2011/08") for a file that had one (an import)."""
    return f"{LIBRARY_FOLDER}{month or timezone.now().strftime('%Y/%m')}/"


def store(clean, storage=None, month=None):
    """Save the original and its sizes through the storage API (local files or S3), under
    library_folder(month), with WordPress's name-WxH.ext for sizes. The storage makes each
    name unique. Nothing is left behind on failure."""
    storage = storage or default_storage
    directory = library_folder(month)
    name = storage.save(
        f"{directory}{clean.stem}.{clean.extension}", ContentFile(clean.original.content)
    )
    stored = StoredFiles(name)
    base = name.rsplit(".", 1)[0]
    try:
        for size_name, encoded in clean.sizes.items():
            saved = storage.save(
                f"{base}-{encoded.width}x{encoded.height}.{clean.extension}",
                ContentFile(encoded.content),
            )
            stored.sizes[size_name] = {
                "file": saved,
                "width": encoded.width,
                "height": encoded.height,
            }
    except Exception:
        delete_files(stored.names(), storage)
        raise
    return stored


def delete_files(names, storage=None):
    storage = storage or default_storage
    for name in names:
        if name:
            storage.delete(name)
