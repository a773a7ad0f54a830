"""Themes: switched and configured in the admin with no restart; every main page is valid,
accessible HTML5 in both themes."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from blogcms.models import SiteSettings

from .factories import CommentFactory, MediaItemFactory, PostFactory, StaffFactory
from .pages import find, parse, text

pytestmark = pytest.mark.django_db

SEED_URL = "/2011/08/19/ny-rep-serrano-opposes-s-comm-policy/"
SETTINGS_URL = "/admin/blogcms/sitesettings/1/change/"


def settings_form(client, **changes):
    """The site settings change form as the admin page would post it, with `changes`."""
    form = client.get(SETTINGS_URL).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, form.initial.get(name, field.initial))
        if value is True:
            data[name] = "on"
        elif value not in (False, None):
            data[name] = value
    return data


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    SiteSettings.load()
    return client


def test_theme_switch_in_the_admin_changes_the_next_page(staff_client, client):
    """Saving the theme in the admin serves the next page with the new theme, no restart."""
    PostFactory(title="Any post")
    assert "theme-classic" in client.get("/").text
    response = staff_client.post(SETTINGS_URL, settings_form(staff_client, theme="minimal"))
    assert response.status_code == 302
    page = client.get("/").text
    assert "theme-minimal" in page
    assert "/static/themes/minimal/style.css" in page
    staff_client.post(SETTINGS_URL, settings_form(staff_client, theme="classic"))
    assert "theme-classic" in client.get("/").text


def test_reading_settings_take_effect_on_the_next_request(staff_client, client):
    """Title, tagline, posts per page and date format edited in the admin show at once."""
    for n in range(3):
        PostFactory(
            title=f"Numbered {n}",
            published_at=datetime.datetime(2020, 2, 3 + n, tzinfo=datetime.UTC),
        )
    client.get("/")  # the old settings are cached now
    response = staff_client.post(
        SETTINGS_URL,
        settings_form(
            staff_client,
            title="Field Notes",
            tagline="From the river",
            posts_per_page=2,
            date_format="j F Y",
        ),
    )
    assert response.status_code == 302
    page = client.get("/").text
    assert "Field Notes" in page and "From the river" in page
    assert page.count('class="post') == 2
    assert "5 February 2020" in page


def _site_pages(client):
    call_command("load_demo", stdout=StringIO())
    decorative = MediaItemFactory(alt_text="")
    seed = PostFactory(title="Second post", tags=["Town"], featured_image=decorative)
    CommentFactory(post=seed, content="A <b>bold</b> reply")
    return {
        "home": "/",
        "single": SEED_URL,
        "single with comments": seed.get_absolute_url(),
        "category": "/category/blog/",
        "tag": "/tag/ice/",
        "month": "/2011/08/",
        "author": "/author/newsroom/",
        "search": "/?s=Serrano",
        "no results": "/?s=zzzz",
        "404": "/nothing/here/",
    }


@pytest.fixture(params=["classic", "minimal"])
def themed_pages(request, client):
    """Every main page, served in each theme: (url, parsed tree)."""
    site = SiteSettings.load()
    site.theme = request.param
    site.save()
    pages = {}
    for name, url in _site_pages(client).items():
        response = client.get(url)
        assert response.status_code == (404 if name == "404" else 200), url
        pages[name] = parse(response)  # strict: any HTML5 parse error fails here
    return pages


def test_pages_carry_the_landmarks(themed_pages):
    """Every page has one banner header, a nav, one main, an aside and a footer."""
    for name, tree in themed_pages.items():
        body = find(tree, ".//body")[0]
        assert len(find(body, "./header")) + len(find(body, "./div/header")) == 1, name
        assert find(tree, ".//nav"), name
        assert len(find(tree, ".//main")) == 1, name
        assert find(tree, ".//aside"), name
        assert find(body, "./footer") or find(body, "./div/footer"), name


def test_one_h1_and_headings_in_order(themed_pages):
    """Each page has exactly one h1 and never skips a heading level going down."""
    for name, tree in themed_pages.items():
        levels = [
            int(el.tag[-1])
            for el in tree.iter()
            if isinstance(el.tag, str) and el.tag[-2:-1] == "h" and el.tag[-1] in "123456"
        ]
        assert levels.count(1) == 1, (name, levels)
        assert levels[0] == 1, (name, levels)
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, (name, levels)


def test_form_fields_are_labelled(themed_pages):
    """Every visible input, textarea and select has a label or an accessible name."""
    for name, tree in themed_pages.items():
        labelled = {label.get("for") for label in find(tree, ".//label")}
        for control in find(tree, ".//input") + find(tree, ".//textarea"):
            if control.get("type") in ("hidden", "submit"):
                continue
            assert control.get("id") in labelled or control.get("aria-label"), (
                name,
                control.attrib,
            )


def test_ids_are_unique(themed_pages):
    """No id is used twice on a page (labels and skip links point at the right element)."""
    for name, tree in themed_pages.items():
        ids = [el.get("id") for el in tree.iter() if isinstance(el.tag, str) and el.get("id")]
        assert len(ids) == len(set(ids)), (name, sorted(i for i in ids if ids.count(i) > 1))


def test_images_have_alt_text(themed_pages):
    """Every image carries an alt attribute (empty only when decorative)."""
    for name, tree in themed_pages.items():
        for image in find(tree, ".//img"):
            assert image.get("alt") is not None, (name, image.attrib)


def test_themes_look_different(client):
    """Minimal is not classic renamed: its own stylesheet and no sidebar column."""
    call_command("load_demo", stdout=StringIO())
    classic = client.get(SEED_URL).text
    site = SiteSettings.load()
    site.theme = "minimal"
    site.save()
    minimal = client.get(SEED_URL).text
    assert 'id="sidebar"' in classic and 'id="sidebar"' not in minimal
    assert 'class="masthead"' in minimal and 'class="masthead"' not in classic
    assert "themes/minimal/style.css" in minimal and "themes/classic/style.css" in classic


# WCAG 2.x contrast check, run in the page: returns the text elements below AA.
CONTRAST_FAILURES_JS = (Path(__file__).parent / "contrast.js").read_text()


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["classic", "minimal"])
def test_contrast_and_small_screens_in_chromium(live_server, transactional_db, monkeypatch, theme):
    """In Chromium, all text meets WCAG AA contrast and the seed post fits a 375px phone
    screen without sideways scrolling, in both themes."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's loop, our thread
    call_command("load_demo", stdout=StringIO())
    site = SiteSettings.load()
    site.theme = theme
    site.save()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        for url in (SEED_URL, "/"):
            page.goto(live_server.url + url)
            assert page.evaluate(CONTRAST_FAILURES_JS) == [], url
        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(live_server.url + SEED_URL)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        browser.close()
    assert overflow <= 0


@pytest.mark.parametrize("theme", ["classic", "minimal"])
def test_a_linkback_shows_its_source_date_excerpt_and_permalink(client, theme):
    """A pingback reads as in WordPress's current default themes: the linking page's title
    (to it) and site, the date, its "[…] excerpt […]" and a permalink to it here."""
    call_command("load_demo", stdout=StringIO())
    site = SiteSettings.load()
    site.theme = theme
    site.save()
    tree = parse(client.get(SEED_URL))
    (item,) = find(tree, ".//li[@class='pingback post pingback-pingback']")
    (body,) = find(item, "./article")
    anchor = body.get("id")
    meta = " ".join(text(find(body, ".//footer")[0]).split())
    assert meta.startswith("Pingback: More Responses to Secure Communities")
    assert "(vivirlatino.com)" in meta and "August 19, 2011 at" in meta
    (permalink,) = find(body, ".//footer/a[@class='comment-permalink']")
    assert permalink.get("href") == f"#{anchor}"
    excerpt = " ".join(text(find(body, ".//div[@class='comment-content']")[0]).split())
    assert excerpt.startswith("[…] Congressman José E. Serrano wrote") and excerpt.endswith("[…]")
