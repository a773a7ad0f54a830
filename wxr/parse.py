"""Reading a WordPress export (WXR 1.0, 1.1 and 1.2) as a stream of records.

The file is never loaded whole: each direct child of <channel> (an author, a term, an item
with its comments) is turned into a record when its end tag is read, then dropped, so memory
holds one item at a time however large the file. defusedxml refuses what a WordPress export
never contains and an attacker's file might: a DTD, entity declarations (the "billion
laughs"), external entities.
"""

import html
import re
from functools import lru_cache
from os import PathLike
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from blogcms.numbers import ascii_int

from .records import Author, BrokenItem, Comment, Item, ItemTerm, Note, Site, Term

# The wp namespace differs between versions only by its number; excerpt is …/excerpt/.
_WP_NAMESPACE = re.compile(r"^http://wordpress\.org/export/1\.[0-2]/(excerpt/)?$")
_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
_SITE_FIELDS = {
    "title": "title",
    "link": "link",
    "description": "description",
    "language": "language",
    "wp:wxr_version": "wxr_version",
    "wp:base_site_url": "base_site_url",
    "wp:base_blog_url": "base_blog_url",
}

_RECORDS = {"wp:author", "wp:category", "wp:tag", "wp:term", "item"}


class WXRError(Exception):
    """The file cannot be imported; the message says where and why."""


@lru_cache(maxsize=256)
def _name(tag):
    """'{http://wordpress.org/export/1.2/}post_id' → 'wp:post_id'."""
    if not tag.startswith("{"):
        return tag
    uri, _, local = tag[1:].partition("}")
    if match := _WP_NAMESPACE.match(uri):
        return ("excerpt:" if match.group(1) else "wp:") + local
    prefix = _NAMESPACES.get(uri)
    return f"{prefix}:{local}" if prefix else tag


def _int(text, default=0):
    return ascii_int((text or "").strip(), default)


def _signed_int(text):
    """menu_order may be negative."""
    text = (text or "").strip()
    return -_int(text[1:]) if text.startswith("-") else _int(text)


def _name_text(value):
    """A name WordPress stored HTML-escaped, as text: its default filters run
    _wp_specialchars() on term names, commenters' names and users' names before saving
    (wp-includes/default-filters.php, pre_term_name, pre_comment_author_name, …), and it
    shows them through esc_html(), which does not escape twice. "Food &amp; Drink" and a
    pingback's "Blog &raquo; Post" are "Food & Drink" and "Blog » Post" here."""
    return html.unescape(value)


def _fields(elem):
    """The text of each child, by name (the last one wins, as WordPress's importer)."""
    return {_name(child.tag): child.text or "" for child in elem}


# C0 control characters XML 1.0 forbids. Old WordPress exports carry some (pasted from
# word processors), and WordPress's importer then falls back to a regex parser; dropping
# them is safe in UTF-8, where no byte of a multi-byte character is below 0x20.
_FORBIDDEN_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))


class _Cleaned:
    """A binary file with XML's forbidden control bytes removed, counting them."""

    def __init__(self, raw):
        self.raw = raw
        self.removed = 0

    def read(self, size=-1):
        chunk = self.raw.read(size)
        cleaned = chunk.translate(None, _FORBIDDEN_BYTES)
        self.removed += len(chunk) - len(cleaned)
        return cleaned


def read(source):
    """Yield the Site header, then Author, Term, Item and BrokenItem records in file order.
    `source` is a path or a binary file. Raises WXRError for a file that is not a WordPress
    export or is broken, naming the last item read."""
    if isinstance(source, str | PathLike):
        with open(source, "rb") as raw:
            yield from read(raw)
        return
    site = Site()
    site_sent = False
    last = "before the first item"
    depth = 0
    channel = None
    cleaned = _Cleaned(source)
    try:
        for event, elem in iterparse(cleaned, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 1 and _name(elem.tag) != "rss":
                    raise WXRError("This is not a WordPress export: it is not an RSS file.")
                if depth == 2:
                    channel = elem
                continue
            depth -= 1
            if depth != 2 or channel is None:
                continue
            tag = _name(elem.tag)
            if tag in _SITE_FIELDS:
                setattr(site, _SITE_FIELDS[tag], (elem.text or "").strip())
            elif tag in _RECORDS:
                if not site_sent:
                    _check_version(site)
                    site_sent = True
                    yield site
                record = _record(tag, elem)
                if record is not None:
                    last = f"after {record.label}" if hasattr(record, "label") else last
                    yield record
            channel.remove(elem)  # bounded memory: nothing read stays in the tree
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise WXRError(
            f"The file is broken at line {line}, column {column} ({last}): {reason}."
        ) from exc
    except DefusedXmlException as exc:
        raise WXRError(
            f"The file declares a DTD or entities ({type(exc).__name__}), which a WordPress "
            "export never does; it was refused unread."
        ) from exc
    if not site_sent:
        _check_version(site)
        yield site
    if cleaned.removed:
        yield Note(
            f"{cleaned.removed} control characters that XML does not allow were removed "
            "from the file (WordPress's importer drops them too)."
        )


def _check_version(site):
    if not site.wxr_version:
        raise WXRError(
            "This is not a WordPress export: the channel has no wp:wxr_version "
            "(WordPress's Tools → Export writes one)."
        )
    if site.wxr_version not in ("1.0", "1.1", "1.2"):
        raise WXRError(f"WXR version {site.wxr_version} is not supported (1.0, 1.1, 1.2 are).")


def _record(tag, elem):
    if tag == "item":
        return _item(elem)
    f = _fields(elem)
    if tag == "wp:author":
        return Author(
            login=f.get("wp:author_login", "").strip(),
            wp_id=_int(f.get("wp:author_id"), None),
            email=f.get("wp:author_email", "").strip(),
            display_name=_name_text(f.get("wp:author_display_name", "")).strip(),
            first_name=_name_text(f.get("wp:author_first_name", "")).strip(),
            last_name=_name_text(f.get("wp:author_last_name", "")).strip(),
        )
    if tag == "wp:category":
        return Term(
            "category",
            _int(f.get("wp:term_id"), None),
            slug=f.get("wp:category_nicename", "").strip(),
            name=_name_text(f.get("wp:cat_name", "")),
            parent=f.get("wp:category_parent", "").strip(),
            description=f.get("wp:category_description", ""),
        )
    if tag == "wp:tag":
        return Term(
            "post_tag",
            _int(f.get("wp:term_id"), None),
            slug=f.get("wp:tag_slug", "").strip(),
            name=_name_text(f.get("wp:tag_name", "")),
            description=f.get("wp:tag_description", ""),
        )
    if tag == "wp:term":
        return Term(
            f.get("wp:term_taxonomy", "").strip(),
            _int(f.get("wp:term_id"), None),
            slug=f.get("wp:term_slug", "").strip(),
            name=_name_text(f.get("wp:term_name", "")),
            parent=f.get("wp:term_parent", "").strip(),
            description=f.get("wp:term_description", ""),
        )
    return None  # generator, image, cloud, …: nothing to import


def _item(elem):
    terms, meta, comments, f = [], [], [], {}
    for child in elem:
        tag = _name(child.tag)
        if tag == "category":
            domain = child.get("domain", "category")
            terms.append(ItemTerm(domain, child.get("nicename", ""), _name_text(child.text or "")))
        elif tag == "wp:postmeta":
            m = _fields(child)
            meta.append((m.get("wp:meta_key", ""), m.get("wp:meta_value", "")))
        elif tag == "wp:comment":
            comments.append(_comment(child))
        else:
            f[tag] = child.text or ""
    title = f.get("title", "")
    wp_id = _int(f.get("wp:post_id"), None)
    if wp_id is None:
        return BrokenItem(f'item "{title[:60]}"', "it has no wp:post_id")
    return Item(
        wp_id=wp_id,
        post_type=f.get("wp:post_type", "post").strip() or "post",
        title=title,
        link=f.get("link", "").strip(),
        pub_date=f.get("pubDate", ""),
        creator=f.get("dc:creator", "").strip(),
        guid=f.get("guid", "").strip(),
        description=f.get("description", ""),
        content=f.get("content:encoded", ""),
        excerpt=f.get("excerpt:encoded", ""),
        date=f.get("wp:post_date", "").strip(),
        date_gmt=f.get("wp:post_date_gmt", "").strip(),
        modified=f.get("wp:post_modified", "").strip(),
        modified_gmt=f.get("wp:post_modified_gmt", "").strip(),
        comment_status=f.get("wp:comment_status", "open").strip(),
        ping_status=f.get("wp:ping_status", "open").strip(),
        slug=f.get("wp:post_name", "").strip(),
        status=f.get("wp:status", "publish").strip(),
        parent=_int(f.get("wp:post_parent")),
        menu_order=_signed_int(f.get("wp:menu_order")),
        password=f.get("wp:post_password", ""),
        sticky=f.get("wp:is_sticky", "0").strip() == "1",
        attachment_url=f.get("wp:attachment_url", "").strip(),
        terms=terms,
        meta=meta,
        comments=comments,
    )


def _comment(elem):
    f, meta = {}, []
    for child in elem:
        tag = _name(child.tag)
        if tag == "wp:commentmeta":
            m = _fields(child)
            meta.append((m.get("wp:meta_key", ""), m.get("wp:meta_value", "")))
        else:
            f[tag] = child.text or ""
    return Comment(
        wp_id=_int(f.get("wp:comment_id")),
        author=_name_text(f.get("wp:comment_author", "")),
        author_email=f.get("wp:comment_author_email", "").strip(),
        author_url=f.get("wp:comment_author_url", "").strip(),
        author_ip=f.get("wp:comment_author_IP", "").strip(),
        date=f.get("wp:comment_date", "").strip(),
        date_gmt=f.get("wp:comment_date_gmt", "").strip(),
        content=f.get("wp:comment_content", ""),
        approved=f.get("wp:comment_approved", "1").strip(),
        type=f.get("wp:comment_type", "").strip(),
        parent=_int(f.get("wp:comment_parent")),
        user_id=_int(f.get("wp:comment_user_id")),
        meta=meta,
    )
