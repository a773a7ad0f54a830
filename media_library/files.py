"""Files that are not images (WordPress: a PDF menu, a podcast's MP3, a zip of slides):
checked by their first bytes, stored as they are, and only ever served as downloads.

An image is decoded and re-encoded (processing.py); a PDF or an MP3 cannot be, so it is
kept byte for byte, and what makes it safe is what it may be and how it is served. It may
be only one of FILE_TYPES (close to WordPress's get_allowed_mime_types() for an Author,
without what a browser runs: HTML, SVG, XML, JavaScript, Flash), named by its extension and
proved by its first bytes (a web page called menu.pdf is refused). It is served with the
type of its extension as an attachment (Content-Disposition), never sniffed, under the
sandbox CSP (views.serve; docs/media.md for nginx and S3). Its name is sanitised like an
image's, and its size bounded (BLOGCMS_FILE_MAX_BYTES) while it is copied, whatever it
claimed.
"""

import os
import re
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File

from .processing import MIME_TYPES, refuse, safe_stem


@dataclass(frozen=True)
class FileType:
    mime_type: str
    label: str
    start: bytes  # a regular expression the file's first bytes match ("" for text)

    def matches(self, head):
        if not self.start:  # plain text: no signature, but no NUL and no markup
            text = head.removeprefix(b"\xef\xbb\xbf").lstrip()  # a BOM, blank lines
            return b"\x00" not in head and not text.startswith(b"<")
        return re.match(self.start, head, re.DOTALL) is not None


_PDF = rb"%PDF-"
_OLE = rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word, Excel, PowerPoint 97-2003
_ZIP = rb"PK(?:\x03\x04|\x05\x06)"  # also docx, xlsx, pptx, odt, epub; or an empty zip
_MP4 = rb"....(?:ftyp|moov|mdat|wide|free|skip)"  # ISO media boxes (MP4, M4A, QuickTime)
_MP3 = rb"(?:ID3|\xff[\xe0-\xff])"  # an ID3 tag, or an MPEG audio frame header
_OGG = rb"OggS"
_MATROSKA = rb"\x1a\x45\xdf\xa3"
_ASF = rb"\x30\x26\xb2\x75\x8e\x66\xcf\x11"

# Extension → what it is. Nothing else but images (processing.FORMATS) is stored.
FILE_TYPES = {
    "pdf": FileType("application/pdf", "PDF", _PDF),
    "doc": FileType("application/msword", "Word", _OLE),
    "xls": FileType("application/vnd.ms-excel", "Excel", _OLE),
    "ppt": FileType("application/vnd.ms-powerpoint", "PowerPoint", _OLE),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word", _ZIP
    ),
    "xlsx": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel", _ZIP
    ),
    "pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint",
        _ZIP,
    ),
    "odt": FileType("application/vnd.oasis.opendocument.text", "OpenDocument", _ZIP),
    "ods": FileType("application/vnd.oasis.opendocument.spreadsheet", "OpenDocument", _ZIP),
    "odp": FileType("application/vnd.oasis.opendocument.presentation", "OpenDocument", _ZIP),
    "epub": FileType("application/epub+zip", "EPUB", _ZIP),
    "rtf": FileType("application/rtf", "RTF", rb"\{\\rtf"),
    "txt": FileType("text/plain", "text", b""),
    "csv": FileType("text/csv", "CSV", b""),
    "zip": FileType("application/zip", "zip", _ZIP),
    "gz": FileType("application/gzip", "gzip", b"\x1f\x8b"),
    "tgz": FileType("application/gzip", "gzip", b"\x1f\x8b"),
    "7z": FileType("application/x-7z-compressed", "7-Zip", b"7z\xbc\xaf\x27\x1c"),
    "rar": FileType("application/vnd.rar", "RAR", b"Rar!\x1a\x07"),
    "mp3": FileType("audio/mpeg", "MP3", _MP3),
    "m4a": FileType("audio/mp4", "audio", _MP4),
    "ogg": FileType("audio/ogg", "Ogg", _OGG),
    "oga": FileType("audio/ogg", "Ogg", _OGG),
    "opus": FileType("audio/ogg", "Opus", _OGG),
    "wav": FileType("audio/wav", "WAV", rb"RIFF....WAVE"),
    "flac": FileType("audio/flac", "FLAC", b"fLaC"),
    "wma": FileType("audio/x-ms-wma", "WMA", _ASF),
    "mid": FileType("audio/midi", "MIDI", b"MThd"),
    "midi": FileType("audio/midi", "MIDI", b"MThd"),
    "mp4": FileType("video/mp4", "video", _MP4),
    "m4v": FileType("video/mp4", "video", _MP4),
    "mov": FileType("video/quicktime", "video", _MP4),
    "3gp": FileType("video/3gpp", "video", _MP4),
    "webm": FileType("video/webm", "WebM", _MATROSKA),
    "mkv": FileType("video/x-matroska", "video", _MATROSKA),
    "ogv": FileType("video/ogg", "Ogg", _OGG),
    "avi": FileType("video/x-msvideo", "AVI", rb"RIFF....AVI "),
    "wmv": FileType("video/x-ms-wmv", "WMV", _ASF),
}
HEAD_BYTES = 64
# Extensions of images: they go through processing.clean_upload, which decodes them (and
# refuses the formats the library does not keep, BMP or TIFF, by name).
IMAGE_EXTENSIONS = {"jpg", "jpeg", "jpe", "png", "gif", "webp", "bmp", "tif", "tiff", "avif"}


def max_bytes():
    return getattr(settings, "BLOGCMS_FILE_MAX_BYTES", 100 * 1024 * 1024)


def extension(name):
    base = os.path.basename(str(name or "").replace("\\", "/"))
    return base.rpartition(".")[2].lower() if "." in base else ""


def served_as(name):
    """(Content-Type, Content-Disposition) of the library's file `name`, as every server of
    it says them (views.serve, storage.LibraryS3Storage; deploy/nginx alike): an image
    inline, any other kept file as a download; None for a name the library keeps nothing
    under."""
    kind = extension(name)
    if kind in MIME_TYPES:
        return MIME_TYPES[kind], "inline"
    if kind in FILE_TYPES:
        return FILE_TYPES[kind].mime_type, "attachment"
    return None


def is_file_type(name):
    """The library keeps a file of this name as a download (not as an image)."""
    return extension(name) in FILE_TYPES


def is_image_name(name):
    """A name an image may have (or no extension at all: the pixels will tell)."""
    return extension(name) in IMAGE_EXTENSIONS | {""}


@dataclass
class CleanFile:
    """A checked file, copied aside (bounded), ready to store."""

    stem: str
    extension: str
    content: File
    size: int

    @property
    def mime_type(self):
        return FILE_TYPES[self.extension].mime_type


def refuse_type(name):
    """Why a file of this name is not kept."""
    refuse(
        "Files of type .%(extension)s are not accepted. The library keeps images (JPEG, "
        "PNG, GIF, WebP) and, as downloads, documents, audio, video and archives "
        "(%(kinds)s); never anything a browser would run (HTML, SVG, scripts).",
        "file_type",
        extension=extension(name) or "(none)",
        kinds=", ".join(f".{e}" for e in FILE_TYPES),
    )


def clean_file(upload):
    """`upload` (a Django File) checked and copied aside, or a ValidationError saying why it
    is refused: a type not in FILE_TYPES, first bytes that are not that type's, or more than
    max_bytes() (counted while copying: a declared size is not trusted)."""
    kind = extension(upload.name)
    if kind not in FILE_TYPES:
        refuse_type(upload.name)
    limit = max_bytes()
    too_large = ("The file must be at most %(max)s bytes.", "file_too_large")
    if upload.size is not None and upload.size > limit:
        refuse(*too_large, max=limit)
    # Closed here on a refusal, else by MediaItem.save_with_file once stored.
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
    try:
        upload.seek(0)
        size = 0
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                refuse(*too_large, max=limit)
            copy.write(chunk)
        copy.seek(0)
        if not FILE_TYPES[kind].matches(copy.read(HEAD_BYTES)):
            refuse(
                "The file is not the %(label)s file its name says (.%(extension)s).",
                "file_content",
                label=FILE_TYPES[kind].label,
                extension=kind,
            )
        copy.seek(0)
    except BaseException:
        copy.close()
        raise
    return CleanFile(safe_stem(upload.name, default="file"), kind, File(copy), size)
