"""The media library: what an upload must be to be stored, what is stored of it, the sizes
made from it, how its files are served, and uploading in the admin."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from media_library.models import MediaItem

from .factories import MediaItemFactory, StaffFactory, image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_storage(settings):
    """Each test starts with an empty in-memory storage."""
    settings.STORAGES = {**settings.STORAGES}


ADD_URL = "/admin/media_library/mediaitem/add/"


def stored_image(name):
    with default_storage.open(name) as handle:
        data = handle.read()
    return data, Image.open(io.BytesIO(data))


def photo_with_gps_and_orientation():
    """A 60×40 JPEG, left half red and right half blue, that a camera held upright marked
    with EXIF orientation 6 (turn 90° clockwise to show), a GPS position and a comment."""
    image = Image.new("RGB", (60, 40), "blue")
    image.paste("red", (0, 0, 30, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"home sweet home", quality=95)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it has GPS
    return SimpleUploadedFile("IMG_0001.JPG", data, content_type="image/jpeg")


def png_claiming(width, height):
    """A tiny PNG whose header claims `width`×`height` pixels: a decompression bomb."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_exif_gps_and_comments_are_stripped_and_the_photo_turned_upright():
    """A photo with EXIF orientation, GPS and a comment is stored upright with no EXIF, no
    GPS and no comment, in its original and in every size."""
    item = MediaItem.create_from_upload(photo_with_gps_and_orientation())
    assert (item.width, item.height) == (40, 60)
    for name in item.file_names():
        data, image = stored_image(name)
        assert b"Exif" not in data and b"PhoneMaker" not in data and b"home sweet" not in data
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
    _, image = stored_image(item.file.name)
    top, bottom = image.convert("RGB").getpixel((20, 5)), image.convert("RGB").getpixel((20, 55))
    assert top[0] > 200 and top[2] < 60, top  # the red half is on top once turned
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_icc_profile_is_kept():
    """The colour profile survives the re-encoding (it describes colours, not people)."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    item = MediaItem.create_from_upload(image_upload(icc_profile=profile))
    _, image = stored_image(item.file.name)
    assert image.info.get("icc_profile") == profile


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (10_000, 5_000, "too large to process: 10000 × 5000 pixels is more than 40,000,000"),
        (100_000, 100_000, "too large to process: more than 40,000,000 pixels"),
    ],
)
def test_decompression_bomb_is_refused_before_decoding(width, height, message):
    """A few hundred bytes claiming millions of pixels are refused by the header's numbers,
    with a message saying so, and nothing is stored."""
    bomb = SimpleUploadedFile("bomb.png", png_claiming(width, height), "image/png")
    assert bomb.size < 300
    with pytest.raises(ValidationError) as refused:
        MediaItem.create_from_upload(bomb)
    assert message in refused.value.messages[0]
    assert not MediaItem.objects.exists() and not stored_files()


def test_pixel_limit_is_a_setting(settings):
    """BLOGCMS_IMAGE_MAX_PIXELS bounds what is decoded."""
    settings.BLOGCMS_IMAGE_MAX_PIXELS = 10_000
    with pytest.raises(ValidationError, match="too large to process"):
        MediaItem.create_from_upload(image_upload(size=(200, 100)))


def test_animated_gif_frames_count_towards_the_pixel_limit(settings):
    """Many frames of a small GIF add up: 30 frames of 50×50 pass 50,000 pixels."""
    settings.BLOGCMS_IMAGE_MAX_PIXELS = 50_000
    frames = [Image.new("RGB", (50, 50), (i * 8, 0, 0)) for i in range(30)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ValidationError, match="× 30 frames"):
        MediaItem.create_from_upload(SimpleUploadedFile("a.gif", buffer.getvalue()))


def test_byte_limit_is_checked_before_decoding(settings):
    """An upload above BLOGCMS_IMAGE_MAX_BYTES is refused by its size alone."""
    settings.BLOGCMS_IMAGE_MAX_BYTES = 50
    with pytest.raises(ValidationError, match="at most 50 bytes"):
        MediaItem.create_from_upload(image_upload())


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("page.jpg", b"<html><script>alert(1)</script></html>"), "valid image"),
        (
            SimpleUploadedFile(
                "logo.svg",
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                "image/svg+xml",
            ),
            "valid image",
        ),
        (SimpleUploadedFile("logo.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'), "valid"),
        (image_upload("old.bmp", fmt="BMP"), "JPEG, PNG, GIF or WebP"),
        (image_upload("scan.tif", fmt="TIFF"), "JPEG, PNG, GIF or WebP"),
        (SimpleUploadedFile("cut.jpg", image_upload().read()[:400], "image/jpeg"), "valid image"),
    ],
    ids=["html-named-jpg", "svg", "svg-named-jpg", "bmp", "tiff", "truncated"],
)
def test_what_is_not_a_supported_image_is_refused(upload, message):
    """HTML or SVG under any name, other formats and broken files are refused."""
    with pytest.raises(ValidationError, match=message):
        MediaItem.create_from_upload(upload)
    assert not MediaItem.objects.exists()


def test_a_png_named_jpg_is_stored_as_the_png_it_is():
    """The name is not trusted either way: a PNG called .jpg is stored as .png."""
    item = MediaItem.create_from_upload(image_upload("holiday.jpg", fmt="PNG"))
    assert item.mime_type == "image/png" and item.file.name.endswith("/holiday.png")
    assert stored_image(item.file.name)[1].format == "PNG"


def test_camera_jpeg_with_extra_pictures_is_stored_as_a_plain_jpeg():
    """A camera JPEG carrying extra pictures (MPO: previews, depth maps) is accepted and
    stored as a plain JPEG of its first picture."""
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "red").save(
        buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (400, 300), "blue")]
    )
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    item = MediaItem.create_from_upload(SimpleUploadedFile("DSCF0001.JPG", buffer.getvalue()))
    data, image = stored_image(item.file.name)
    assert item.mime_type == "image/jpeg" and image.format == "JPEG"
    assert image.convert("RGB").getpixel((10, 10))[0] > 200
    assert data.count(b"\xff\xd8") == 1  # one picture: the second is not carried along


def test_gif_javascript_polyglot_is_stored_clean():
    """A GIF whose header reads as JavaScript (GIF89a/*), with script in a comment block and
    after its trailer, is stored as a clean GIF: no trace of the script is left."""
    buffer = io.BytesIO()
    Image.new("P", (20, 20), 1).save(buffer, "GIF", comment=b"*/=alert(document.domain)//")
    hostile = b"GIF89a/*" + buffer.getvalue()[8:] + b"*/;alert(document.cookie)<script>x</script>"
    item = MediaItem.create_from_upload(SimpleUploadedFile("pic.gif", hostile, "image/gif"))
    data, image = stored_image(item.file.name)
    assert image.format == "GIF" and image.size == (item.width, item.height)
    assert b"alert" not in data and b"script" not in data and b"/*" not in data[:10]


def test_animated_gif_keeps_its_animation_and_sizes_are_its_first_frame():
    """An animated GIF is still animated; its sizes are still images of the first frame."""
    frames = [Image.new("RGB", (400, 300), color) for color in ("red", "lime", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    item = MediaItem.create_from_upload(SimpleUploadedFile("spin.gif", buffer.getvalue()))
    assert stored_image(item.file.name)[1].n_frames == 3
    _, medium = stored_image(item.sizes["medium"]["file"])
    assert medium.size == (300, 225) and getattr(medium, "n_frames", 1) == 1
    assert medium.convert("RGB").getpixel((150, 100))[0] > 200  # red: the first frame


def test_wordpress_sizes_are_made_and_never_upscaled():
    """A 1600×1200 photo gets thumbnail 150×150, medium 300×225, medium_large 768×576 and
    large 1024×768; a 200×100 one only a 150×100 thumbnail (nothing is made larger)."""
    item = MediaItemFactory(upload=image_upload(size=(1600, 1200)))
    made = {name: (size["width"], size["height"]) for name, size in item.sizes.items()}
    assert made == {
        "thumbnail": (150, 150),
        "medium": (300, 225),
        "medium_large": (768, 576),
        "large": (1024, 768),
    }
    for name, (width, height) in made.items():
        assert stored_image(item.sizes[name]["file"])[1].size == (width, height)
        assert item.sizes[name]["file"].endswith(f"-{width}x{height}.jpg")
    small = MediaItemFactory(upload=image_upload(size=(200, 100)))
    assert {n: (s["width"], s["height"]) for n, s in small.sizes.items()} == {
        "thumbnail": (150, 100)
    }
    assert small.rendition("large").url == small.file.url  # falls back to the original


@pytest.mark.parametrize(
    ("fmt", "mode", "extra"),
    [("PNG", "RGBA", {}), ("GIF", "P", {"transparency": 0}), ("WEBP", "RGBA", {})],
)
def test_transparency_survives_in_the_original_and_its_sizes(fmt, mode, extra):
    """A transparent corner stays transparent in the stored original and every size."""
    if mode == "P":
        image = Image.new("P", (400, 400), 1)
        image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
        image.paste(0, (0, 0, 200, 200))
    else:
        image = Image.new("RGBA", (400, 400), (255, 0, 0, 255))
        image.paste((0, 0, 0, 0), (0, 0, 200, 200))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **extra)
    item = MediaItem.create_from_upload(SimpleUploadedFile(f"t.{fmt.lower()}", buffer.getvalue()))
    for name in item.file_names():
        stored = stored_image(name)[1].convert("RGBA")
        assert stored.getpixel((2, 2))[3] == 0, name
        assert stored.getpixel((stored.width - 3, stored.height - 3))[3] == 255, name


def test_big_originals_are_scaled_to_wordpress_threshold():
    """An original wider than 2560 px is stored at 2560 (WordPress's big_image_size_threshold)."""
    item = MediaItemFactory(upload=image_upload(size=(3000, 1500)))
    assert (item.width, item.height) == (2560, 1280)
    assert stored_image(item.file.name)[1].size == (2560, 1280)


def test_names_are_sanitised_and_unique():
    """The stored name is an ASCII slug of the upload's, with the real format's extension,
    under library/YYYY/MM/; the same name twice gives two files."""
    first = MediaItemFactory(upload=image_upload("../../Été à Paris <b>.php.jpeg"))
    second = MediaItemFactory(upload=image_upload("../../Été à Paris <b>.php.jpeg"))
    assert first.file.name.startswith("library/") and "/ete-a-paris-bphp" in first.file.name
    assert first.file.name.endswith(".jpg") and ".." not in first.file.name
    assert first.file.name != second.file.name
    assert MediaItemFactory(upload=image_upload("写真.png", fmt="PNG")).file.name.endswith(
        "/image.png"
    )


def test_deleting_an_item_deletes_its_files(django_capture_on_commit_callbacks):
    """A deleted library item leaves no file behind."""
    item = MediaItemFactory()
    names = item.file_names()
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        item.delete()
    assert not any(default_storage.exists(name) for name in names)


def stored_files(directory="library"):
    if not default_storage.exists(directory):
        return []
    folders, files = default_storage.listdir(directory)
    found = [f"{directory}/{name}" for name in files]
    for folder in folders:
        found += stored_files(f"{directory}/{folder}")
    return found


def test_a_failed_save_leaves_no_files(monkeypatch):
    """When the row cannot be saved, the files already stored are removed again."""
    before = stored_files()

    def fail(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(MediaItem, "save", fail)
    with pytest.raises(RuntimeError):
        MediaItem.create_from_upload(image_upload())
    assert stored_files() == before


def test_img_tag_has_srcset_sizes_dimensions_and_lazy_loading():
    """item.img_tag() gives src, a srcset of the same-shaped sizes (not the square
    thumbnail), sizes, width, height, alt and loading="lazy" unless told otherwise."""
    item = MediaItemFactory(upload=image_upload(size=(1600, 1200)), alt_text='Say "hi"')
    tag = item.img_tag("large")
    large, medium = item.rendition("large"), item.rendition("medium")
    assert f'src="{large.url}"' in tag
    assert f"{medium.url} 300w" in tag and f"{item.file.url} 1600w" in tag
    assert "150w" not in tag
    assert 'sizes="(max-width: 1024px) 100vw, 1024px"' in tag
    assert 'width="1024" height="768"' in tag and 'alt="Say &quot;hi&quot;"' in tag
    assert 'loading="lazy"' in tag
    assert "loading" not in item.img_tag("large", lazy=False)


def test_admin_upload_makes_a_library_item(client):
    """Staff upload an image with alt text and a caption in the admin; it is theirs."""
    boss = StaffFactory()
    client.force_login(boss)
    response = client.post(
        ADD_URL,
        {
            "upload": photo_with_gps_and_orientation(),
            "title": "",
            "alt_text": "A red and blue flag",
            "caption": "Seen on the way home.",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    item = MediaItem.objects.get()
    assert item.uploaded_by == boss and item.alt_text == "A red and blue flag"
    assert item.caption == "Seen on the way home." and item.title == "Img 0001"
    listing = client.get("/admin/media_library/mediaitem/").text
    assert item.rendition("thumbnail").url in listing


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("evil.png", b"<?php system($_GET['c']); ?>", "image/png"), "valid"),
        (image_upload("old.bmp", fmt="BMP"), "JPEG, PNG, GIF or WebP"),
        (SimpleUploadedFile("b.png", png_claiming(100_000, 100_000)), "too large to process"),
    ],
    ids=["fake", "bmp", "bomb"],
)
def test_admin_refuses_bad_uploads_with_a_message(client, upload, message):
    """A fake image, another format or a bomb is refused on the form, nothing stored."""
    client.force_login(StaffFactory())
    response = client.post(ADD_URL, {"upload": upload, "alt_text": "", "caption": ""})
    assert response.status_code == 200
    assert message in response.text
    assert not MediaItem.objects.exists()


def test_admin_edits_alt_text_and_caption_without_a_new_upload(client):
    """Changing an item's alt text keeps its files."""
    item = MediaItemFactory()
    client.force_login(StaffFactory())
    response = client.post(
        f"/admin/media_library/mediaitem/{item.pk}/change/",
        {"title": "Teal", "alt_text": "Now described", "caption": ""},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.alt_text == "Now described" and default_storage.exists(item.file.name)


def test_authors_edit_only_their_own_images(client):
    """An Author changes their own image's alt text but not another's; an Editor both."""
    from .test_admin import member_of

    author, editor = member_of("Author"), member_of("Editor")
    theirs, others = MediaItemFactory(uploaded_by=author), MediaItemFactory()
    data = {"title": "T", "alt_text": "Changed", "caption": ""}
    client.force_login(author)
    assert (
        client.post(f"/admin/media_library/mediaitem/{theirs.pk}/change/", data).status_code == 302
    )
    client.post(f"/admin/media_library/mediaitem/{others.pk}/change/", data)
    client.post(f"/admin/media_library/mediaitem/{others.pk}/delete/", {"post": "yes"})
    others.refresh_from_db()
    assert others.alt_text == "A teal rectangle"
    client.force_login(editor)
    assert (
        client.post(f"/admin/media_library/mediaitem/{others.pk}/change/", data).status_code == 302
    )
    others.refresh_from_db()
    assert others.alt_text == "Changed"


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def test_admin_uploads_a_pdf_as_a_file_and_lists_it_beside_images(client):
    """Staff upload a PDF from Add: it is kept byte for byte as a file (no sizes), listed in
    the library with its type, and its page shows it without an image preview; the editor's
    image picker still lists images only."""
    client.force_login(StaffFactory())
    image = MediaItemFactory(title="A photo")
    upload = SimpleUploadedFile("Menu d'été.PDF", PDF, content_type="text/html")
    response = client.post(ADD_URL, {"upload": upload, "title": "", "alt_text": "", "caption": ""})
    assert response.status_code == 302, response.context["adminform"].form.errors
    item = MediaItem.objects.get(mime_type="application/pdf")
    assert item.file.name.rsplit("/", 1)[1] == "menu-dete.pdf"  # sanitised, lower-case
    assert (item.width, item.sizes, item.file_size, item.title) == (None, {}, len(PDF), "Menu dete")
    with default_storage.open(item.file.name) as stored:
        assert stored.read() == PDF
    listing = client.get("/admin/media_library/mediaitem/").text
    assert "Menu dete" in listing and "application/pdf" in listing and "A photo" in listing
    assert client.get(f"/admin/media_library/mediaitem/{item.pk}/change/").status_code == 200
    picker = client.get("/admin/media_library/mediaitem/picker/").json()
    assert [r["id"] for r in picker["results"]] == [image.pk]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("page.html", b"<script>alert(1)</script>"), "type .html are not"),
        (SimpleUploadedFile("logo.svg", b'<svg onload="alert(1)"/>'), "type .svg are not"),
        (SimpleUploadedFile("run.js", b"alert(1)"), "type .js are not"),
        (SimpleUploadedFile("menu.pdf", b"<html><script>alert(1)</script>"), "not the PDF file"),
        (SimpleUploadedFile("notes.txt", b"<script>alert(1)</script>"), "not the text file"),
    ],
    ids=["html", "svg", "js", "html-named-pdf", "html-named-txt"],
)
def test_admin_refuses_files_a_browser_would_run(client, upload, message):
    """HTML, SVG and scripts are refused by their type, markup named as a PDF or a text
    file by its first bytes: a message on the form, nothing stored."""
    client.force_login(StaffFactory())
    response = client.post(ADD_URL, {"upload": upload, "alt_text": "", "caption": ""})
    assert response.status_code == 200
    assert message in response.text
    assert not MediaItem.objects.exists()


def test_a_file_larger_than_the_limit_is_refused(client, settings):
    """BLOGCMS_FILE_MAX_BYTES bounds a file upload; nothing is stored."""
    settings.BLOGCMS_FILE_MAX_BYTES = 20
    client.force_login(StaffFactory())
    upload = SimpleUploadedFile("menu.pdf", PDF)
    response = client.post(ADD_URL, {"upload": upload, "alt_text": "", "caption": ""})
    assert "The file must be at most 20 bytes." in response.text
    assert not MediaItem.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "mime_type"),
    [
        ("slides.pptx", b"PK\x03\x04" + b"\x00" * 40, "presentationml.presentation"),
        ("talk.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40, "video/mp4"),
        ("hello.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, "audio/wav"),
        ("show.ogg", b"OggS\x00\x02" + b"\x00" * 40, "audio/ogg"),
        ("episode.mp3", b"\xff\xfb\x90\x64" + b"\x00" * 40, "audio/mpeg"),
    ],
)
def test_admin_keeps_the_kinds_of_file_wordpress_users_upload(client, name, content, mime_type):
    """Documents, video and audio are kept as files, typed by what they are."""
    client.force_login(StaffFactory())
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client.post(ADD_URL, {"upload": upload, "alt_text": "", "caption": ""})
    assert response.status_code == 302
    assert mime_type in MediaItem.objects.get().mime_type


def test_a_file_must_start_as_its_kind_does(client):
    """A zip called episode.mp3, or a RIFF file that is no WAV, is refused."""
    client.force_login(StaffFactory())
    for name, content in [("episode.mp3", b"PK\x03\x04"), ("a.wav", b"RIFF\x00\x00\x00\x00AVI ")]:
        upload = SimpleUploadedFile(name, content + b"\x00" * 40)
        response = client.post(ADD_URL, {"upload": upload, "alt_text": "", "caption": ""})
        assert "its name says" in response.text, name
    assert not MediaItem.objects.exists()
