"""In Chromium: staff put a page in the site navigation from the pages list; a visitor of
each theme clicks it there and reads the page."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from blogcms.models import SiteSettings
from posts.models import Page
from tests.factories import PageFactory, StaffFactory
from tests.test_browser_comments import PASSWORD, chromium  # noqa: F401  (the fixture)


@pytest.mark.browser
def test_staff_choose_the_navigation_and_visitors_follow_it(
    live_server,
    transactional_db,
    chromium,  # noqa: F811
):
    """Ticking "show in the site navigation" for a page in the admin's page list, and
    saving, puts it beside Home in both themes; clicking it opens the page."""
    about = PageFactory(title="About us", slug="about", body="<p>We write about birds.</p>")
    PageFactory(title="Team", slug="team", parent=about)
    StaffFactory(username="editor", password=PASSWORD)

    staff = chromium.new_context().new_page()
    staff.goto(live_server.url + "/admin/posts/page/")
    staff.fill("#id_username", "editor")
    staff.fill("#id_password", PASSWORD)
    staff.click("input[type=submit]")
    row = staff.locator("#result_list tr", has_text="About us")
    row.locator("input[name$=show_in_menu]").check()
    staff.click("input[name=_save]")
    staff.wait_for_selector(".messagelist")
    assert Page.objects.get(pk=about.pk).show_in_menu

    for theme in ("classic", "minimal"):
        site = SiteSettings.load()
        site.theme = theme
        site.save()
        visitor = chromium.new_context().new_page()
        visitor.goto(live_server.url + "/")
        nav = visitor.locator("nav[aria-label=Site] a")
        assert nav.all_inner_texts() == ["Home", "About us"], theme
        nav.filter(has_text="About us").click()
        visitor.wait_for_url(live_server.url + "/about/")
        assert visitor.inner_text("h1.entry-title") == "About us"
        assert "We write about birds." in visitor.inner_text("main")
        assert "This entry was posted in" not in visitor.inner_text("main")


@pytest.mark.browser
def test_a_page_imported_from_wordpress_is_in_the_navigation(
    live_server,
    transactional_db,
    chromium,  # noqa: F811
    settings,
):
    """A page the old blog's menu linked to is beside Home after import_wordpress; a visitor
    clicks it and reads it, then its child page at its old address."""
    settings.TIME_ZONE = "America/New_York"
    export = Path(__file__).parent / "data" / "wxr" / "wp64-pages-media.xml"
    call_command("import_wordpress", str(export), stdout=io.StringIO())
    visitor = chromium.new_context().new_page()
    visitor.goto(live_server.url + "/")
    nav = visitor.locator("nav[aria-label=Site] a")
    assert nav.all_inner_texts() == ["Home", "About"]
    nav.filter(has_text="About").click()
    visitor.wait_for_url(live_server.url + "/about/")
    assert "We write about the barrio." in visitor.inner_text("main")
    visitor.goto(live_server.url + "/about/team/")
    assert visitor.inner_text("h1.entry-title") == "Team"
