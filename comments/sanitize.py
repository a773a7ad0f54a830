"""The comment whitelist, defined once, and the one function that enforces it.

ALLOWED drives both bleach and the "You may use these HTML tags and attributes" sentence,
so the two cannot drift. bleach has made its final release: it is called from
`sanitize()` only, so it can be replaced without touching anything else.
"""

import re

import bleach
from bleach.linkifier import Linker

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
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]
LINK_REL = "nofollow ugc"

# Tags added by rendering (paragraphs and breaks), never accepted from the commenter.
_RENDER_TAGS = {"p": [], "br": []}


def allowed_tags_sentence():
    """The sentence under the comment form, generated from ALLOWED."""
    parts = []
    for tag, attributes in ALLOWED.items():
        attrs = "".join(f' {name}=""' for name in attributes)
        parts.append(f"<{tag}{attrs}>")
    return "You may use these HTML tags and attributes: " + " ".join(parts)


def _set_rel(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href or not re.match(r"^(https?:|mailto:)", href, re.IGNORECASE):
        # A link whose scheme was cut away keeps its text but no href.
        attrs.pop(href_key, None)
        return attrs
    attrs[(None, "rel")] = LINK_REL
    return attrs


_LOOSE_LT = re.compile(r"<(?![a-zA-Z/!])")


def sanitize(html):
    """Cut `html` down to ALLOWED: disallowed tags are escaped-as-text or dropped, links
    get rel="nofollow ugc", bare URLs become links, only http/https/mailto survive."""
    # Text that merely looks like a tag ("a < b", "I <3 this") is kept as text.
    html = _LOOSE_LT.sub("&lt;", html)
    cleaned = bleach.clean(
        html,
        tags=set(ALLOWED),
        attributes=ALLOWED,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    linker = Linker(callbacks=[_set_rel], skip_tags={"code", "pre"}, parse_email=False)
    return linker.linkify(cleaned)


def autop(html):
    """Paragraphs and line breaks as WordPress's wpautop: blank lines make paragraphs."""
    html = html.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not html:
        return ""
    paragraphs = re.split(r"\n\s*\n", html)
    return "\n".join(
        "<p>" + p.strip().replace("\n", "<br>\n") + "</p>" for p in paragraphs if p.strip()
    )


def render_comment(text):
    """Raw comment text → the safe HTML stored beside it."""
    return autop(sanitize(text))
