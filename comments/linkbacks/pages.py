"""Reading other people's HTML: a page's title, its links, the words around a link, and
the endpoints it advertises. The standard library's tolerant parser is enough here: we
only ever read text and attributes, never render what we read."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin

# Elements that start a new paragraph of text: WordPress splits the source on these
# before it looks for the paragraph holding the link (wp_xmlrpc_server::pingback_ping).
BLOCKS = {
    "p", "div", "li", "ul", "ol", "blockquote", "td", "th", "tr", "table", "dd", "dt", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "header", "footer", "aside",
    "main", "nav", "figure", "figcaption", "br", "hr", "body", "form",
}  # fmt: skip
SKIPPED = {"script", "style", "template", "noscript", "svg"}
EXCERPT_SIDE = 100  # characters kept on either side of the link text (WordPress: 100)
MAX_TITLE = 245  # the author-name column (wp_get_comment_fields_max_lengths)


def collapse(text):
    return " ".join(text.split())


def squash(text):
    """Each run of whitespace as one space, kept at the ends (unlike `collapse`)."""
    return re.sub(r"\s+", " ", text)


def _tail(text, size):
    """At most the last `size` characters of `text`, starting at a word."""
    if len(text) <= size:
        return text
    cut = text[-size:]
    if text[-size - 1] == " ":
        return cut
    _partial, space, rest = cut.partition(" ")
    return rest if space and rest.strip() else cut


def _head(text, size):
    """At most the first `size` characters of `text`, ending at a word."""
    if len(text) <= size:
        return text
    cut = text[:size]
    if text[size] == " ":
        return cut
    kept, space, _partial = cut.rpartition(" ")
    return kept if space and kept.strip() else cut


@dataclass
class Anchor:
    href: str  # absolute, resolved against the page URL
    block: int  # index of the paragraph it sits in
    start: int  # offset of its text in that paragraph
    text: str = ""


@dataclass
class Page:
    url: str
    title: str = ""
    anchors: list = field(default_factory=list)
    rel_elements: list = field(default_factory=list)  # (tag, href, rels) of <link> and <a>
    blocks: list = field(default_factory=list)  # text of each paragraph

    def anchors_to(self, target):
        """The <a href> elements that link to `target` (a fragment does not matter)."""
        wanted = urldefrag(target).url
        return [a for a in self.anchors if urldefrag(a.href).url == wanted]

    def links_to(self, target):
        return bool(self.anchors_to(target))

    def excerpt_around(self, target):
        """ "[…] words before the link text words after […]", WordPress's pingback excerpt.

        The pieces are cut from the paragraph as written, so the spacing is the source's:
        runs of whitespace become one space, and none is added where it has none
        ("the post." stays so, not "the post .")."""
        anchor = self.anchors_to(target)[0]
        paragraph = self.blocks[anchor.block]
        end = anchor.start + len(anchor.text)
        before = _tail(squash(paragraph[: anchor.start]), EXCERPT_SIDE)
        after = _head(squash(paragraph[end:]), EXCERPT_SIDE)
        words = squash(before + squash(anchor.text) + after).strip()
        return f"[…] {words} […]"

    @property
    def author_title(self):
        """The page's <title>, whitespace collapsed, cut to fit the author-name column."""
        title = collapse(self.title)
        if len(title) > MAX_TITLE:
            title = title[: MAX_TITLE - 1].rsplit(" ", 1)[0] + "…"
        return title

    def endpoint(self, rel, tags=("link", "a")):
        """The first of `tags` with `rel`, in document order, resolved against the page."""
        for tag, href, rels in self.rel_elements:
            if tag in tags and rel in rels:
                return href
        return None


class _Reader(HTMLParser):
    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.in_title = False
        self.skipping = 0
        self.current = []  # text pieces of the paragraph being read
        # Their total length, kept as they come: summing them at each link is quadratic.
        self.paragraph_length = 0
        self.open_anchor = None

    def _break(self):
        self.page.blocks.append("".join(self.current))
        self.current = []
        self.paragraph_length = 0

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag in SKIPPED:
            self.skipping += 1
        elif tag == "title":
            self.in_title = True
        elif tag in BLOCKS:
            self._break()
        rels = set(attrs.get("rel", "").lower().split())
        if tag in ("a", "link") and "href" in attrs:
            href = urljoin(self.page.url, attrs["href"].strip())
            if rels:
                self.page.rel_elements.append((tag, href, rels))
            if tag == "a":
                self.open_anchor = Anchor(href, len(self.page.blocks), self.paragraph_length)
                self.page.anchors.append(self.open_anchor)

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag == "title":
            self.in_title = False
        elif tag == "a":
            self.open_anchor = None
        elif tag in BLOCKS:
            self._break()

    def handle_data(self, data):
        if self.skipping:
            return
        if self.in_title:
            self.page.title += data
            return
        self.current.append(data)
        self.paragraph_length += len(data)
        if self.open_anchor is not None and self.open_anchor.block == len(self.page.blocks):
            self.open_anchor.text += data

    def close(self):
        super().close()
        self._break()


def read_page(url, html):
    """Parse `html` served at `url` (the final URL, after redirects)."""
    page = Page(url)
    reader = _Reader(page)
    reader.feed(html)
    reader.close()
    return page


def link_header_urls(value, rel, base):
    """URLs in an HTTP Link header (RFC 8288) whose rel includes `rel`, resolved on `base`."""
    urls = []
    for match in re.finditer(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)", value or ""):
        params = match.group(2)
        rel_match = re.search(r";\s*rel\s*=\s*(\"[^\"]*\"|[^\s;,]+)", params, re.IGNORECASE)
        if rel_match and rel in rel_match.group(1).strip('"').lower().split():
            urls.append(urljoin(base, match.group(1).strip()))
    return urls
