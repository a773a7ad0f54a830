"""The comment whitelist, defined once, and the one module that enforces it.

ALLOWED drives both bleach and the "You may use these HTML tags and attributes" sentence,
so the two cannot drift. bleach has made its final release: it is imported here only, so
it can be replaced without touching anything else.

The raw text goes through three steps, each on the output of the one before:
1. `sanitize()`: a "<" that opens no real element's tag and no closed comment is prose and
   stays text ("List<String>", "x <y> z"); then cut to ALLOWED (tags of other elements go,
   their text stays, as kses does);
2. `autop()`: paragraphs and line breaks, as WordPress's wpautop();
3. a last pass of the same whitelist (plus the p and br that autop adds) that re-parses the
   result, balances the tags, turns bare URLs into links and puts rel="nofollow ugc" on
   every link. Whatever steps 1 and 2 produce, nothing leaves step 3 that is not listed.
"""

import re
from html import unescape

import bleach
from bleach.linkifier import LinkifyFilter
from django.utils.html import strip_tags

# WordPress's classic comment whitelist ($allowedtags in wp-includes/kses.php).
ALLOWED = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "acronym": ["title"],
    "b": [],
    "blockquote": ["cite"],
    "cite": [],
    "code": [],
    "del": ["datetime"],
    "em": [],
    "i": [],
    "q": ["cite"],
    "strike": [],
    "strong": [],
}
ALLOWED_PROTOCOLS = ("http", "https", "mailto")
LINK_REL = "nofollow ugc"

# Tags added by rendering (paragraphs and breaks), never accepted from the commenter.
_RENDER_TAGS = {"p": [], "br": []}
# Attributes whose value is a URL: only absolute http, https or mailto survive.
_URL_ATTRIBUTES = {"href", "cite"}
# Browsers ignore these inside a URL scheme ("java\tscript:"), so they are removed first.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
# Every element name the HTML Standard defines: its index of elements (§4, with the svg and
# math roots it embeds) and the obsolete ones browsers still parse (§16.2, "image" of
# §13.2.6.4.7). A tag of one of these outside ALLOWED is markup the cleaner strips; any other
# name (List<String>, <y>, <my-widget>) is a commenter's prose and stays as text.
_STANDARD_ELEMENTS = """
    a abbr address area article aside audio b base bdi bdo blockquote body br button canvas
    caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i
    iframe img input ins kbd label legend li link main map mark math menu meta meter nav
    noscript object ol optgroup option output p picture pre progress q rp rt ruby s samp
    script search section select selectedcontent slot small source span strong style sub
    summary sup svg table tbody td template textarea tfoot th thead time title tr track u ul
    var video wbr
"""
_OBSOLETE_ELEMENTS = """
    acronym applet basefont bgsound big blink center dir font frame frameset image isindex
    keygen listing marquee menuitem multicol nextid nobr noembed noframes param plaintext rb
    rtc spacer strike tt xmp
"""
HTML_ELEMENTS = frozenset(_STANDARD_ELEMENTS.split() + _OBSOLETE_ELEMENTS.split())
# A tag name as the HTML tokenizer reads it after "<" or "</": a letter, then anything up to
# whitespace, "/" or ">" (§13.2.5.6-8), so "<Map<K," names "map<k,", not "map". Read no
# further than the longest element name could reach: a name of "<"s never turns quadratic.
_LONGEST_NAME = max(len(name) for name in HTML_ELEMENTS)
_TAG_NAME = re.compile(rf"</?([a-zA-Z][^\t\n\f\r />]{{0,{_LONGEST_NAME}}})")
# "<name word word>": a tag whose attributes are all bare words ("if a<b and c>d").
_WORDS_IN_ANGLES = re.compile(r"<[a-zA-Z][a-zA-Z0-9-]*((?:\s+[^\s<>=\"'/`]+)+)\s*>")
# A comment ends at "-->" or "--!>", or at once as "<!-->" or "<!--->" (§13.2.5.43-52).
_COMMENT_ENDS = ("-->", "--!>")
_ABRUPT_COMMENT_ENDS = (">", "->")
# Bare URLs as make_clickable() sees them: a scheme or "www.", never a bare domain.
# Closing punctuation is left out of the link, as WordPress does.
_BARE_URL = re.compile(
    r"""\(*\b(?:https?://|www\.)[^\s<>"'`{}|\\^]*[^\s<>"'`{}|\\^.,;:!?]""",
    re.IGNORECASE,
)
# Block tags wpautop() keeps out of paragraphs (of ALLOWED, only blockquote is a block).
_BLOCK_OPEN = re.compile(r"(<blockquote[\s>])", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(r"(</blockquote>)", re.IGNORECASE)


def allowed_tags_sentence():
    """The sentence under the comment form, generated from ALLOWED."""
    parts = []
    for tag, attributes in ALLOWED.items():
        attrs = "".join(f' {name}=""' for name in attributes)
        parts.append(f"<{tag}{attrs}>")
    return "You may use these HTML tags and attributes: " + " ".join(parts)


def is_safe_url(value):
    """An absolute http, https or mailto URL, however its scheme was spelt."""
    scheme, colon, _ = _URL_IGNORED.sub("", value).partition(":")
    return bool(colon) and scheme.lower() in ALLOWED_PROTOCOLS


def is_web_url(value):
    """An absolute http or https URL, however its scheme was spelt: a commenter's website,
    the only kind of address their name links to (WordPress: esc_url() on display)."""
    scheme, colon, _ = _URL_IGNORED.sub("", value).partition(":")
    return bool(colon) and scheme.lower() in ("http", "https")


def _attribute_filter(whitelist):
    def allowed(tag, name, value):
        if name not in whitelist.get(tag, ()):
            return False
        return name not in _URL_ATTRIBUTES or is_safe_url(value)

    return allowed


def _nofollow(attrs, new=False):
    """Every link with an address carries rel="nofollow ugc" (wp_rel_ugc)."""
    if (None, "href") in attrs:
        attrs[(None, "rel")] = LINK_REL
    return attrs


def _cleaner(whitelist, filters=()):
    return bleach.Cleaner(
        tags=set(whitelist),
        attributes=_attribute_filter(whitelist),
        protocols=list(ALLOWED_PROTOCOLS),
        strip=True,
        strip_comments=True,
        filters=list(filters),
    )


_COMMENTER_CLEANER = _cleaner(ALLOWED)
_RENDER_WHITELIST = ALLOWED | _RENDER_TAGS
_RENDER_CLEANER = _cleaner(
    _RENDER_WHITELIST,
    filters=[
        lambda source: LinkifyFilter(
            source,
            callbacks=[_nofollow],
            skip_tags={"code"},
            parse_email=False,
            url_re=_BARE_URL,
        )
    ],
)


def _opens_markup(html, at, last_comment_end):
    """Does the "<" at `at` open markup: a tag of a real HTML element, or a comment that ends?"""
    tag = _TAG_NAME.match(html, at)
    if tag:
        name = tag.group(1).lower()
        words = _WORDS_IN_ANGLES.match(html, at)
        if words:  # "<b and c>": bare words that tag may not carry are prose, not attributes
            allowed = ALLOWED.get(name, ())
            return all(word.lower() in allowed for word in words.group(1).split())
        return name in HTML_ELEMENTS
    if html.startswith("<!--", at):
        return html.startswith(_ABRUPT_COMMENT_ENDS, at + 4) or last_comment_end >= at + 4
    return False


def _keep_prose(html):
    """Text that merely looks like markup stays text (kses eats it; we don't). A "<" opens
    markup only when a browser would act on it: a tag of a real HTML element (kept if ALLOWED,
    stripped otherwise) or a comment that is closed. Everything else is the commenter's prose:
    "a < b", "I <3 this", "List<String>", "x <y> z", "<b and c>", an unclosed "<!--",
    "<?php", "<!DOCTYPE", "</ x". Escaping a "<" only ever turns markup into text."""
    last_comment_end = max(html.rfind(end) for end in _COMMENT_ENDS)
    return re.sub(
        "<",
        lambda lt: "<" if _opens_markup(html, lt.start(), last_comment_end) else "&lt;",
        html,
    )


def sanitize(html):
    """Cut `html` down to ALLOWED: disallowed tags go and their text stays, disallowed
    attributes go, and only absolute http, https and mailto URLs survive."""
    return _COMMENTER_CLEANER.clean(_keep_prose(html))


def autop(html):
    """Paragraphs and line breaks as WordPress's wpautop(): blank lines make paragraphs,
    single newlines make <br>, and a blockquote holds paragraphs instead of sitting in one."""
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    html = _BLOCK_OPEN.sub(r"\n\n\1", html)
    html = _BLOCK_CLOSE.sub(r"\1\n\n", html)
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", html):
        chunk = chunk.strip()
        if not chunk:
            continue
        opening = re.match(r"(?:<blockquote[^>]*>\s*)+", chunk, re.IGNORECASE)
        closing = re.search(r"(?:\s*</blockquote>)+$", chunk, re.IGNORECASE)
        head = opening.group(0).strip() if opening else ""
        tail = closing.group(0).strip() if closing else ""
        body = chunk[len(opening.group(0)) if opening else 0 : closing.start() if closing else None]
        body = body.strip().replace("\n", "<br>\n")
        paragraphs.append(head + (f"<p>{body}</p>" if body else "") + tail)
    return "\n".join(paragraphs)


def render_comment(text):
    """Raw comment text → the safe HTML stored beside it."""
    return _RENDER_CLEANER.clean(autop(sanitize(text)))


def plain_text(html):
    """The words a reader sees in stored comment HTML, as plain text: tags dropped, entities
    decoded, whitespace runs made one space. Only for places that escape it on output."""
    return " ".join(unescape(strip_tags(html)).split())
