"""A WordPress post body → the markup blogcms stores (what its editor makes: paragraphs,
h2–h4, lists, quotes, code, images, tables, links), and back.

WordPress stores a block-editor post with its blocks delimited by HTML comments
(`<!-- wp:paragraph -->…<!-- /wp:paragraph -->`), already in paragraphs; a classic post
without <p>, which wpautop() adds on display. When a post has blocks, WordPress does not run
wpautop (do_blocks() unhooks it), so neither do we. The editor's allowlist (Post.save and the
importer call the same sanitizer) then removes what blogcms does not keep (div, span, class,
style, figure): the steps here only make sure the meaning survives it (a caption stays a
paragraph, <b> stays bold, an h1 or h5 stays a heading).
"""

import re

from django.utils.html import escape

from .autop import wpautop

# WP_Block_Parser's delimiter: attributes are JSON in which "--" and ">" are escaped.
_BLOCK_DELIMITER = re.compile(r"<!--\s+/?wp:.*?-->\n?", re.DOTALL)
# The "read more" and page-break markers: blogcms shows the summary in listings instead.
_MORE = re.compile(r"<!--(?:more|nextpage)(?:\s[^>]*)?-->\n?")
# [caption id="attachment_5" align="alignleft" width="300"]<img …> Text[/caption]
_CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.DOTALL | re.IGNORECASE)
_CAPTION_IMAGE = re.compile(r"\s*((?:<a\s[^>]*>\s*)?<img[^>]*>(?:\s*</a>)?)(.*)", re.DOTALL)
_CAPTION_ATTRIBUTE = re.compile(r'caption="([^"]*)"')
# wp:embed keeps the URL alone in a wrapper div; without it, an embed would be bare text.
_EMBED = re.compile(
    r'<div class="wp-block-embed__wrapper">\s*(https?://[^\s<]+)\s*</div>', re.IGNORECASE
)
# Tags the editor lacks, renamed to the ones it has (the allowlist would drop them).
_RENAMES = [
    (re.compile(r"<(/?)h1(?=[\s>])", re.IGNORECASE), r"<\1h2"),
    (re.compile(r"<(/?)h[56](?=[\s>])", re.IGNORECASE), r"<\1h4"),
    (re.compile(r"<(/?)b(?=[\s>])", re.IGNORECASE), r"<\1strong"),
    (re.compile(r"<(/?)i(?=[\s>])", re.IGNORECASE), r"<\1em"),
    (re.compile(r"<(/?)(?:strike|del)(?=[\s>])", re.IGNORECASE), r"<\1s"),
    (re.compile(r"<figcaption[^>]*>", re.IGNORECASE), "<p>"),
    (re.compile(r"</figcaption>", re.IGNORECASE), "</p>"),
]
_URL_ATTRIBUTE = re.compile(r'(\s(?:src|href)=)(["\'])(.*?)\2', re.IGNORECASE | re.DOTALL)


# [embed]URL[/embed]: the classic editor's embed; a link keeps what it pointed at.
_EMBED_SHORTCODE = re.compile(r"\[embed[^\]]*\]\s*(https?://[^\s\[<]+)\s*\[/embed\]", re.IGNORECASE)
# Shortcodes blogcms does not run (galleries and players need the media library, others a
# plugin): kept as text, so nothing is lost, and counted in the summary.
_SHORTCODE = re.compile(
    r"\[(gallery|audio|video|playlist|[a-z_-]+_form|contact-form[^\s\]]*)[\s\]]", re.IGNORECASE
)


def shortcodes_left(html):
    """The names of the shortcodes a body still holds after conversion."""
    return sorted({m.group(1).lower() for m in _SHORTCODE.finditer(html)})


def has_blocks(html):
    """WordPress's has_blocks(): the block editor wrote this body."""
    return "<!-- wp:" in html


def _caption(match):
    attributes, inner = match.groups()
    parts = _CAPTION_IMAGE.match(inner)
    if not parts:
        return inner
    image, text = parts.group(1), parts.group(2).strip()
    if not text and (attribute := _CAPTION_ATTRIBUTE.search(attributes)):
        text = attribute.group(1)  # the older form: [caption caption="…"]
    return f"<figure>{image}<figcaption>{text}</figcaption></figure>" if text else image


def to_blogcms(html, rewrite_url=None):
    """The body as blogcms stores it, before the editor's allowlist. `rewrite_url(old)`
    returns the new address of an imported file (or None to keep the old one)."""
    html = _MORE.sub("", html)
    if has_blocks(html):
        html = _BLOCK_DELIMITER.sub("", html)
    else:
        html = wpautop(_CAPTION.sub(_caption, html))
    html = _EMBED.sub(r'<p><a href="\1">\1</a></p>', html)
    html = _EMBED_SHORTCODE.sub(r'<a href="\1">\1</a>', html)
    for pattern, replacement in _RENAMES:
        html = pattern.sub(replacement, html)
    if rewrite_url is not None:
        html = rewrite_urls(html, rewrite_url)
    return html.strip()


def rewrite_urls(html, rewrite_url):
    """`html` with each src and href replaced by `rewrite_url(old)` (None keeps it)."""

    def rewrite(match):
        new = rewrite_url(match.group(3))
        if new is None:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{new}{match.group(2)}"

    return _URL_ATTRIBUTE.sub(rewrite, html)


def to_wordpress(html):
    """A blogcms body as WordPress should store it: in one Classic block (core/freeform,
    delimited explicitly). A body with blocks is shown as it is, since do_blocks() unhooks
    wpautop(), which would otherwise turn the newlines inside <pre> and between tags into
    <br />; WordPress's editor opens it as a Classic block, and our importer takes it back
    unchanged."""
    return f"<!-- wp:freeform -->{html}<!-- /wp:freeform -->"


_IMG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.IGNORECASE)
_CLASS = re.compile(r"""(\sclass=)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(r"""(\ssrc=)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_WP_IMAGE = re.compile(r"(?<![\w-])wp-image-(\d{1,18})(?![\w-])")


def relabel_images(html, change):
    """Each <img class="wp-image-N" src=…> (the attachment or library item it shows, as
    WordPress's editor marks it) with `change(N, src)` → (new N or None, new src) applied:
    None drops the class, as the image is then no item's."""

    def relabel(match):
        tag = match.group(0)
        classes = _CLASS.search(tag)
        number = classes and _WP_IMAGE.search(classes.group(3))
        if not number:
            return tag
        src = _SRC.search(tag)
        new_number, new_src = change(int(number.group(1)), src.group(3) if src else "")
        if new_number is None:
            value = " ".join(_WP_IMAGE.sub("", classes.group(3)).split())
        else:
            value = _WP_IMAGE.sub(f"wp-image-{new_number}", classes.group(3))
        quote = classes.group(2)
        attribute = f"{classes.group(1)}{quote}{value}{quote}"
        tag = tag[: classes.start()] + attribute + tag[classes.end() :]
        if src and new_src != src.group(3):
            src = _SRC.search(tag)
            tag = tag[: src.start()] + f'{src.group(1)}"{escape(new_src)}"' + tag[src.end() :]
        return tag

    return _IMG.sub(relabel, html)
