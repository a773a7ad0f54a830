"""The editor's image button in a real Chromium, under the admin's Content-Security-Policy:
staff pick an image from the library (and upload one) into a post, and readers see it
with srcset, width and height."""

import re

import pytest

from media_library.models import MediaItem
from posts.models import Post

from .factories import MediaItemFactory, StaffFactory, image_upload

ADD_URL = "/admin/posts/post/add/"
LIST_URL = "/admin/posts/post/"


@pytest.fixture
def media_on_disk(settings, tmp_path):
    """The live server serves real files (thumbnails in the dialog must load)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.browser
def test_staff_insert_library_images_from_the_editor(
    live_server, transactional_db, media_on_disk, monkeypatch, tmp_path
):
    """Staff click the image button, pick a library image, upload another with a caption in
    the same dialog, save; the public post shows both with srcset, sizes, width and height,
    the second in a figure with its caption."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's loop, our thread
    StaffFactory(username="boss", password="correct horse battery staple")
    harbour = MediaItemFactory(
        upload=image_upload("harbour.jpg", size=(1600, 1200)), alt_text="Boats at dawn"
    )
    upload_path = tmp_path / "market.png"
    upload_path.write_bytes(image_upload("market.png", size=(1200, 900), fmt="PNG").read())
    problems = []  # script errors, CSP violations, failed requests (the favicon aside)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and "Failed to load resource" not in m.text
                and problems.append(m.text)
            ),
        )
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")
                and problems.append(f"{r.status} {r.url}")
            ),
        )
        page.goto(f"{live_server.url}/admin/login/?next={ADD_URL}")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "correct horse battery staple")
        page.click("input[type=submit]")
        page.wait_for_url(f"**{ADD_URL}")
        page.fill("#id_title", "Harbour days")
        editor = page.locator(".ProseMirror[contenteditable=true]")
        editor.wait_for(timeout=10_000)
        editor.click()
        page.keyboard.type("Morning at the harbour.")

        image_button = page.locator("button[title='Insert image from the media library']")
        image_button.click()
        dialog = page.locator("dialog.media-library-dialog")
        dialog.locator(f".media-library-item[data-id='{harbour.pk}']").click()
        assert dialog.locator("input[name=alt]").input_value() == "Boats at dawn"
        dialog.locator("button[type=submit]").click()
        editor.locator("img").first.wait_for()

        editor.click()
        page.keyboard.press("Control+End")
        image_button.click()
        dialog = page.locator("dialog.media-library-dialog")
        dialog.locator("input[type=file]").set_input_files(str(upload_path))
        dialog.locator("input[name=alt]").fill("Stalls in the square")
        dialog.locator("input[name=caption]").fill("Saturday market")
        dialog.get_by_role("button", name="Upload").click()
        dialog.locator(".media-library-item[aria-selected=true]").wait_for()
        dialog.locator("select[name=size]").select_option("medium")
        dialog.locator("button[type=submit]").click()
        page.wait_for_function("document.querySelectorAll('.ProseMirror img').length === 2")

        page.click("input[name=_save]")
        page.wait_for_url(f"**{LIST_URL}")

        post = Post.objects.get(title="Harbour days")
        page.goto(f"{live_server.url}{post.get_absolute_url()}")
        images = page.locator(".entry-content img")
        assert images.count() == 2
        first = images.nth(0)
        first.evaluate("img => img.decode()")  # the chosen file really loads
        assert page.locator(".entry-content figure figcaption").inner_text() == "Saturday market"
        shown = first.evaluate(
            "img => ({src: img.getAttribute('src'), srcset: img.srcset, sizes: img.sizes,"
            " width: img.getAttribute('width'), height: img.getAttribute('height'),"
            " alt: img.alt, natural: img.naturalWidth})"
        )
        browser.close()
    assert problems == []
    market = MediaItem.objects.exclude(pk=harbour.pk).get()
    assert market.alt_text == "Stalls in the square" and market.mime_type == "image/png"
    assert market.caption == "Saturday market"
    # Stored as WordPress stores it; srcset is added on display, not kept in the body.
    first_tag, second_tag = re.findall(r"<img [^>]*>", post.body)
    for attribute in (
        f'class="wp-image-{harbour.pk} size-large"',
        f'src="{harbour.rendition("large").url}"',
        'alt="Boats at dawn"',
        'width="1024" height="768"',
    ):
        assert attribute in first_tag, post.body
    assert "srcset" not in post.body
    assert (
        "<figure><img " in post.body
        and "<figcaption>Saturday market</figcaption></figure>" in post.body
    )
    assert f'class="wp-image-{market.pk} size-medium"' in second_tag
    assert 'width="300" height="225"' in second_tag
    assert shown["src"] == harbour.rendition("large").url and shown["natural"] > 0
    assert f"{harbour.file.url} 1600w" in shown["srcset"] and "300w" in shown["srcset"]
    assert shown["sizes"] == "(max-width: 1024px) 100vw, 1024px"
    assert (shown["width"], shown["height"], shown["alt"]) == ("1024", "768", "Boats at dawn")
