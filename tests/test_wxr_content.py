"""WordPress bodies become the markup blogcms stores, as WordPress would have shown them."""

from wxr.autop import wpautop
from wxr.content import shortcodes_left, to_blogcms, to_wordpress


def test_wpautop_makes_paragraphs_and_breaks_as_wordpress():
    """Blank lines make paragraphs, single newlines <br />, blocks stay out of <p>, and
    <pre> keeps its newlines (outputs as WordPress 6.1's wpautop gives them)."""
    text = "One.\nStill one.\n\nTwo.\n<ul>\n<li>a</li>\n</ul>\nThree.\n<pre>x\n\ny</pre>"
    assert wpautop(text) == (
        "<p>One.<br />\nStill one.</p>\n<p>Two.</p>\n<ul>\n<li>a</li>\n</ul>\n"
        "<p>Three.</p>\n<pre>x\n\ny</pre>\n"
    )


def test_wpautop_leaves_paragraphs_alone_and_keeps_blockquotes_paragraphed():
    """Text already in paragraphs stays so; a quote holds its paragraphs."""
    assert wpautop("<p>a</p>\n<p>b</p>") == "<p>a</p>\n<p>b</p>\n"
    assert (
        wpautop("<blockquote>Quoted.</blockquote>") == "<blockquote><p>Quoted.</p></blockquote>\n"
    )


def test_a_newline_inside_a_tag_is_not_a_break():
    """wp_replace_in_html_tags(): a tag written over two lines gets no <br />."""
    assert wpautop('<a\nhref="/x">link</a> here') == '<p><a\nhref="/x">link</a> here</p>\n'


def test_block_delimiters_go_and_block_posts_are_not_autopd():
    """A block post loses its comments, and its newlines are not turned into breaks
    (do_blocks() unhooks wpautop)."""
    html = '<!-- wp:paragraph {"align":"center"} -->\n<p>Hi\nthere</p>\n<!-- /wp:paragraph -->'
    assert to_blogcms(html) == "<p>Hi\nthere</p>"


def test_captions_and_figures_keep_their_text_as_a_paragraph():
    """[caption] and <figcaption> become a paragraph under the image, not loose text."""
    classic = (
        '[caption id="attachment_6" width="300"]<img src="/a.jpg" alt="A" /> Caption[/caption]'
    )
    assert to_blogcms(classic) == '<figure><img src="/a.jpg" alt="A" /><p>Caption</p></figure>'
    old_form = '[caption id="a" caption="Old style"]<img src="/b.jpg" />[/caption]'
    assert "<p>Old style</p>" in to_blogcms(old_form)


def test_embeds_become_links():
    """An embed block keeps its URL as a link (blogcms does not embed players)."""
    html = (
        '<!-- wp:embed {"url":"https://video.example/v/1"} -->\n<figure class="wp-block-embed">'
        '<div class="wp-block-embed__wrapper">\nhttps://video.example/v/1\n</div></figure>\n'
        "<!-- /wp:embed -->"
    )
    assert '<p><a href="https://video.example/v/1">https://video.example/v/1</a></p>' in to_blogcms(
        html
    )


def test_the_more_tag_goes():
    """<!--more--> splits a post on WordPress's home page; blogcms lists the summary."""
    assert to_blogcms("Intro.\n\n<!--more-->\n\nRest.") == "<p>Intro.</p>\n<p>Rest.</p>"


def test_image_addresses_are_rewritten_through_the_seam():
    """rewrite_url() gives an imported file's new address; None keeps the old one."""
    html = '<p><img src="https://old.example/wp-content/uploads/a.jpg"><a href="https://x.example/">x</a></p>'
    new = to_blogcms(html, lambda url: "/media/a.jpg" if "uploads" in url else None)
    assert 'src="/media/a.jpg"' in new and 'href="https://x.example/"' in new


def test_an_exported_body_comes_back_unchanged():
    """to_wordpress() puts the body in a Classic block, which to_blogcms() takes back
    as it was: no paragraphs or breaks are added on either side."""
    body = "<p>One</p><pre><code>a\n\nb</code></pre><ul><li><p>x</p></li></ul>"
    assert to_blogcms(to_wordpress(body)) == body


def test_shortcodes_blogcms_does_not_run_stay_as_text_and_are_named():
    """[embed] becomes a link; [gallery] and a plugin's form stay as text (nothing lost),
    and shortcodes_left() names them for the summary."""
    html = to_blogcms(
        '[embed]https://v.example/1[/embed]\n\n[gallery ids="1,2"]\n\n[contact-form-7 id="5"]'
    )
    assert '<p><a href="https://v.example/1">https://v.example/1</a></p>' in html
    assert '<p>[gallery ids="1,2"]</p>' in html
    assert shortcodes_left(html) == ["contact-form-7", "gallery"]
