"""The comment whitelist: nothing a browser would run survives, ordinary text is kept."""

import random
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest
from django.core.management import call_command

from blogcms.cache import content_generation
from comments.models import Comment
from comments.sanitize import (
    ALLOWED,
    HTML_ELEMENTS,
    allowed_tags_sentence,
    plain_text,
    render_comment,
)
from tests.factories import CommentFactory

PAYLOADS = [
    line.replace("\\n", "\n").replace("\\t", "\t")
    for line in (Path(__file__).parent / "data" / "hostile_payloads.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
RENDERED = {"p": [], "br": []}
SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "cite"}


def elements(html):
    """Every element of `html` as a browser's parser builds it."""
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return list(fragment.iter())[1:]  # the first is the fragment's own container


def assert_harmless(html):
    for element in elements(html):
        tag = element.tag
        assert isinstance(tag, str) and tag in ALLOWED | RENDERED, f"tag {tag!r} in {html!r}"
        allowed_attrs = set(ALLOWED.get(tag, [])) | ({"rel"} if tag == "a" else set())
        for name, value in element.attrib.items():
            assert name in allowed_attrs, f"attribute {name!r} on <{tag}> in {html!r}"
            assert not name.lower().startswith("on") and name.lower() != "style"
            if name in URL_ATTRIBUTES:
                assert urlsplit(value).scheme.lower() in SAFE_SCHEMES, f"{name}={value!r}"
            if name == "href":
                assert element.attrib.get("rel") == "nofollow ugc"


def test_corpus_is_large_enough():
    """The hostile corpus holds at least 100 payloads."""
    assert len(PAYLOADS) >= 100


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_dangerous_survives(payload):
    """Only whitelisted tags and attributes, safe URL schemes and nofollow links come out."""
    assert_harmless(render_comment(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendering_is_stable(payload):
    """Rendering the output again changes nothing dangerous (no mutation on a second parse)."""
    assert_harmless(render_comment(render_comment(payload)))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a < b", "a &lt; b"),
        ("I <3 this", "I &lt;3 this"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ("x > y", "x &gt; y"),
        ("5 < 6 & 7 > 3", "5 &lt; 6 &amp; 7 &gt; 3"),
        ("if a<b and c>d then", "if a&lt;b and c&gt;d then"),
        ("x<y and z>w", "x&lt;y and z&gt;w"),
        ("if a<b then", "if a&lt;b then"),
        # Issue 7: a name that is no HTML element is prose, whatever follows it.
        (
            "use List<String> or Map<K, V> in Java",
            "use List&lt;String&gt; or Map&lt;K, V&gt; in Java",
        ),
        ("x <y> z", "x &lt;y&gt; z"),
        (
            "1 < 2 > 0 -- and <!-- is not a comment for me",
            "1 &lt; 2 &gt; 0 -- and &lt;!-- is not a comment for me",
        ),
        ("Dictionary<string, List<int>>", "Dictionary&lt;string, List&lt;int&gt;&gt;"),
        ("List<Map<String, Object>>", "List&lt;Map&lt;String, Object&gt;&gt;"),
        ("call foo<T>() and close </T>", "call foo&lt;T&gt;() and close &lt;/T&gt;"),
        ("<my-widget> is a custom element", "&lt;my-widget&gt; is a custom element"),
        ("<<<", "&lt;&lt;&lt;"),
        ("<3", "&lt;3"),
        ("a </ b and </> c", "a &lt;/ b and &lt;/&gt; c"),
        ("<?php echo $x; ?>", "&lt;?php echo $x; ?&gt;"),
        ("<!DOCTYPE html> starts a page", "&lt;!DOCTYPE html&gt; starts a page"),
        ("I <!love> you", "I &lt;!love&gt; you"),
        ("&lt;String&gt; written escaped", "&lt;String&gt; written escaped"),
    ],
)
def test_ordinary_text_is_kept(text, shown):
    """Text that merely looks like markup is kept, not eaten as kses does: a "<" opens
    markup only before a real HTML element's name or a comment that is closed."""
    html = render_comment(text)
    assert html == f"<p>{shown}</p>"
    assert_harmless(html)


def test_generics_inside_code_stay_text():
    """<code> keeps type parameters as written."""
    html = render_comment("<code>List<String></code> or <code>Map<K, V></code>")
    assert html == "<p><code>List&lt;String&gt;</code> or <code>Map&lt;K, V&gt;</code></p>"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("before <!-- hidden --> after", "before  after"),
        ("a <!-- x --!> b", "a  b"),
        ("<!--> abrupt", "abrupt"),
        ("closed <!-- one --> open <!-- two", "closed  open &lt;!-- two"),
        ("open <!-- then <b>bold</b>", "open &lt;!-- then <b>bold</b>"),
    ],
)
def test_closed_comments_hide_unclosed_ones_are_text(text, shown):
    """A closed HTML comment is hidden as a browser hides it; a "<!--" that never closes
    would swallow the rest of the comment, so it is text."""
    assert render_comment(text) == f"<p>{shown}</p>"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a<b>c", "a<b>c</b>"),
        ("<B>loud</B>", "<b>loud</b>"),
        ("a<span>c</span>", "ac"),
        ("x <img src=x onerror=alert(1)> y", "x  y"),
        ("<iframe src=https://evil.example/>framed</iframe>", "framed"),
        ("Optional<Object>", "Optional"),
    ],
)
def test_real_elements_are_markup(text, shown):
    """A real element's tag is markup: kept if whitelisted, otherwise stripped with its text
    kept (kses's rule), even where a programmer meant a type ("Optional<Object>")."""
    assert render_comment(text) == f"<p>{shown}</p>"


def test_every_whitelisted_tag_is_a_real_element():
    """The whitelist only names real elements, so each of its tags is read as markup."""
    assert set(ALLOWED) <= HTML_ELEMENTS


# Pieces of prose that look like markup, chosen so that no sequence of them names an HTML
# element after "<" or "</" or closes a comment ("<!-- " is never followed by ">").
PROSE_PIECES = ["List", "String", "K,", "V", "<", ">", "</", "<!-- ", "<!", "<?", "?>", "<3"]
PROSE_PIECES += ["<T>", "</T>", "<y", '"', "'", "=", "/", " ", " ", "\n", "\t", "&", "x"]
PROSE_PIECES += ["<my-tag", "Map<", "int>>", "<<", "< ", "1", "=>", "<-", "!", "ü", "&lt;"]


def random_text(pieces, seed, most):
    rng = random.Random(seed)
    return "".join(rng.choices(pieces, k=rng.randint(1, most)))


@pytest.mark.parametrize("seed", range(300))
def test_prose_never_loses_text(seed):
    """Whatever a commenter types that names no element and closes no comment is shown
    word for word (random prose from markup-like pieces)."""
    text = random_text(PROSE_PIECES, seed, 40)
    html = render_comment(text)
    assert_harmless(html)
    assert plain_text(html) == " ".join(text.replace("&lt;", "<").split())


# Pieces of hostile markup that the prose rule might be made to shift.
HOSTILE_PIECES = PROSE_PIECES + ["<img src=x onerror=alert(1)>", "<script>", "</script>"]
HOSTILE_PIECES += ["<a href=", "javascript:alert(1)", "<b", "<svg", "-->", "--!>", "<!-->"]
HOSTILE_PIECES += ["<a title=", "onclick=alert(1)", "<style>", "<x ", "<math>", "<noscript>"]
HOSTILE_PIECES += ["<textarea>", "<b>", "</b>", "<blockquote cite=", "https://ok.example/"]
HOSTILE_PIECES += ["a", "-", "--", "<!--", "<p", "</a>", "www.ok.example/"]


@pytest.mark.parametrize("seed", range(300))
def test_markup_mixed_with_prose_stays_harmless(seed):
    """Random mixes of prose that looks like markup and hostile markup come out with only
    whitelisted elements, attributes and schemes, also when rendered twice."""
    html = render_comment(random_text(HOSTILE_PIECES, seed, 30))
    assert_harmless(html)
    assert_harmless(render_comment(html))


def test_whitelisted_tags_with_their_bare_attributes_stay_markup():
    """Only bare words a tag may not carry make it text: <a title> is still a link."""
    assert render_comment("<b>bold</b> <a title>t</a>") == '<p><b>bold</b> <a title="">t</a></p>'


def test_script_text_is_kept_as_text():
    """A disallowed tag goes but its text stays, as kses does: no element, just words."""
    html = render_comment("<script>alert(1)</script> hello")
    assert html == "<p>alert(1) hello</p>"


@pytest.mark.parametrize("tag", sorted(ALLOWED))
def test_every_whitelisted_tag_survives_and_is_announced(tag):
    """Each tag of ALLOWED is both kept by the sanitiser and named in the form's sentence."""
    attrs = "".join(f' {name}="https://ok.example/"' for name in ALLOWED[tag])
    html = render_comment(f"<{tag}{attrs}>word</{tag}>")
    element = next(e for e in elements(html) if e.tag == tag)
    assert set(ALLOWED[tag]) <= set(element.attrib)
    assert f"<{tag}" in allowed_tags_sentence()


def test_sentence_lists_exactly_the_whitelist():
    """The sentence names the whitelist and nothing else, in WordPress's words."""
    sentence = allowed_tags_sentence()
    assert sentence.startswith("You may use these HTML tags and attributes: ")
    assert '<a href="" title="">' in sentence
    assert sentence.count("<") == len(ALLOWED)
    assert "<img" not in sentence and "<p" not in sentence


def test_existing_links_get_nofollow_ugc():
    """A commenter's own link carries rel="nofollow ugc"; a rel they wrote is replaced."""
    html = render_comment('<a href="https://ok.example/" rel="author">ok</a>')
    assert html == '<p><a href="https://ok.example/" rel="nofollow ugc">ok</a></p>'


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("see https://example.com/page?x=1.", "https://example.com/page?x=1"),
        ("(at http://example.com/a)", "http://example.com/a"),
        ("www.example.com/path, then", "http://www.example.com/path"),
        ("on a made-up host https://blog.example/ too", "https://blog.example/"),
    ],
)
def test_bare_urls_become_links(text, href):
    """Bare URLs become nofollow links, closing punctuation left outside (make_clickable)."""
    (link,) = [e for e in elements(render_comment(text)) if e.tag == "a"]
    assert link.attrib == {"href": href, "rel": "nofollow ugc"}


def test_bare_domain_and_code_are_not_linked():
    """A bare domain ("file.txt", "example.com") or a URL in <code> stays plain text."""
    html = render_comment("read file.txt at example.com or <code>https://example.com/</code>")
    assert "<a" not in html


def test_paragraphs_and_breaks_as_wpautop():
    """Blank lines make paragraphs; single newlines make line breaks."""
    assert render_comment("one\ntwo\r\n\r\nthree") == "<p>one<br>\ntwo</p>\n<p>three</p>"


def test_blockquote_holds_paragraphs():
    """A blockquote wraps its own paragraphs instead of sitting inside one."""
    html = render_comment("<blockquote>said\n\nthis</blockquote>\nreply")
    assert html == "<blockquote><p>said</p>\n<p>this</p></blockquote>\n<p>reply</p>"


def test_unclosed_tags_are_closed():
    """Unclosed tags are closed so they cannot swallow the rest of the page."""
    assert render_comment("<b>bold <i>both") == "<p><b>bold <i>both</i></b></p>"


@pytest.mark.django_db
def test_rerender_command_rebuilds_stored_html(django_capture_on_commit_callbacks):
    """render_comments re-renders content_html from the raw text of every comment, and
    cached pages showing the old HTML are dropped (a new content generation)."""
    comment = CommentFactory(content="Hello <b>there</b> https://example.com/")
    Comment.objects.filter(pk=comment.pk).update(content_html="<p>stale</p>")
    generation = content_generation()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("render_comments", stdout=out)
    assert content_generation() != generation
    comment.refresh_from_db()
    assert comment.content_html == render_comment(comment.content)
    assert "Re-rendered 1 comment(s)." in out.getvalue()


@pytest.mark.django_db
def test_rerender_command_restores_text_an_older_sanitiser_ate():
    """A comment stored while "<String>" was eaten shows its words after render_comments."""
    comment = CommentFactory(content="use List<String> or Map<K, V> in Java")
    Comment.objects.filter(pk=comment.pk).update(content_html="<p>use List or Map in Java</p>")
    call_command("render_comments", stdout=StringIO())
    comment.refresh_from_db()
    assert plain_text(comment.content_html) == "use List<String> or Map<K, V> in Java"
