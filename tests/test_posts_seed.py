"""The demo post reads as the reference page (tests/reference/seed-post.txt) in every theme."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from blogcms.models import SiteSettings

from .pages import find, parse, text

pytestmark = pytest.mark.django_db

SEED_URL = "/2011/08/19/ny-rep-serrano-opposes-s-comm-policy/"
REFERENCE = (Path(__file__).parent / "reference" / "seed-post.txt").read_text(encoding="utf-8")
TITLE = "NY Rep. Serrano Opposes S-Comm Policy"
TAGGED = re.compile(
    r"This entry was posted in Blog and tagged ([^,]+, ){7}[^,]+?\. Bookmark the permalink\."
)


def reference_lines():
    """The reference's lines as a reader reads them: list numbering dropped, spaces collapsed."""
    for line in REFERENCE.splitlines():
        line = re.sub(r"\s+", " ", re.sub(r"^\s*\d+\.\s", "", line)).strip()
        if line:
            yield line


@pytest.fixture(params=["classic", "minimal"])
def seed_page(request, client):
    """The seed post page, served by each theme."""
    call_command("load_demo", stdout=StringIO())
    site = SiteSettings.load()
    site.theme = request.param
    site.save()
    response = client.get(SEED_URL)
    assert response.status_code == 200
    assert f"theme-{request.param}" in response.text
    return parse(response)


def test_title_date_and_author(seed_page):
    """The post's title is the page's one h1, with its date and author."""
    assert [text(h) for h in find(seed_page, ".//h1")] == [TITLE]
    assert text(find(seed_page, ".//time")[0]) == "August 19, 2011"
    assert "Newsroom" in text(find(seed_page, ".//article")[0])


def test_every_line_of_the_reference_is_on_the_page(seed_page):
    """Each line of the reference page appears, in order, in the text a reader sees."""
    page = text(find(seed_page, ".//main")[0])
    tags_line = "This entry was posted in Blog and tagged , , , , , , , . Bookmark the permalink."
    position = 0
    for line in reference_lines():
        if line == TITLE:
            continue  # checked as the h1 above; it also opens "One Response to …"
        if line == tags_line:
            # The reference lost the tag names in copying; the page names all eight.
            match = TAGGED.search(page, position)
            assert match, line
            position = match.end()
            continue
        found = page.find(line, position)
        assert found >= 0, f"missing or out of order: {line[:80]}"
        position = found + len(line)


def test_letter_is_a_blockquote(seed_page):
    """The letter, from its greeting to the signature, is quoted in a blockquote."""
    (quote,) = find(seed_page, ".//div[@class='entry-content']/blockquote")
    letter = text(quote)
    assert letter.startswith("Dear Director Morton,")
    assert letter.endswith("José E. Serrano Member of Congress")


def test_terms_link_to_their_archives(seed_page):
    """ "Blog" links its category and each of the eight tags links its tag page."""
    links = find(seed_page, ".//footer[@class='entry-utility']//a")
    hrefs = [a.get("href") for a in links]
    assert "/category/blog/" in hrefs
    assert len([h for h in hrefs if h.startswith("/tag/")]) == 8
    assert SEED_URL in hrefs  # "Bookmark the permalink."


def test_pingback_links_its_source(seed_page):
    """The pingback names its source page and links to it, nofollow."""
    (item,) = find(seed_page, ".//ol[@class='commentlist']/li")
    assert text(item).startswith("Pingback: More Responses to Secure Communities")
    link = find(item, ".//a")[0]
    assert link.get("href").startswith("https://vivirlatino.com/2011/08/19/")
    assert "nofollow" in link.get("rel")


def test_tag_pages_of_the_seed_post_resolve(client):
    """Every tag link on the seed post, accented ones too, opens its tag archive."""
    call_command("load_demo", stdout=StringIO())
    tree = parse(client.get(SEED_URL))
    for link in find(tree, ".//footer[@class='entry-utility']//a[@rel='tag']"):
        response = client.get(link.get("href"))
        assert response.status_code == 200, link.get("href")
        assert TITLE in response.text


def test_classic_sidebar_has_every_widget(client):
    """The classic theme's sidebar: search, recent posts and comments, archives, categories
    and a tag cloud, each showing the demo content."""
    call_command("load_demo", stdout=StringIO())
    (aside,) = find(parse(client.get(SEED_URL)), ".//aside")
    headings = [text(h) for h in find(aside, ".//h2")]
    assert headings == [
        "Search",
        "Recent Posts",
        "Recent Comments",
        "Archives",
        "Categories",
        "Tags",
    ]
    sidebar = text(aside)
    assert TITLE in sidebar
    assert "VivirLatino on NY Rep. Serrano" in sidebar
    assert "August 2011" in sidebar and "Blog (1)" in sidebar
    tags = [text(a) for a in find(aside, ".//p[@class='tagcloud']/a")]
    assert len(tags) == 8 and "Secure Communities" in tags
    assert find(aside, ".//form[@role='search']/input[@name='s']")
