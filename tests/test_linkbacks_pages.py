"""Reading a source page: the work grows in step with the page, whatever it holds."""

import sys

from comments.linkbacks.pages import read_page


def profiled_events(html):
    """How many Python and C calls reading `html` makes: work done, not time taken."""
    events = 0

    def count(frame, event, arg):
        nonlocal events
        events += 1

    sys.setprofile(count)
    try:
        page = read_page("http://source.example/", html)
    finally:
        sys.setprofile(None)
    return events, page


def many_links(count):
    """One paragraph of `count` links, then the real link with words around it."""
    return (
        "<p>" + '<a href="/x">x</a> ' * count
        + 'I read <a href="http://blog.example/post/">this post</a> today.</p>'
    )  # fmt: skip


def test_many_links_in_one_paragraph_cost_linear_work():
    """Four times the links cost about four times the work (it was quadratic: 112 s for 1 MB)."""
    small, _ = profiled_events(many_links(500))
    large, page = profiled_events(many_links(2000))
    assert large < 4.5 * small
    assert page.excerpt_around("http://blog.example/post/").endswith(
        "x I read this post today. […]"
    )


def test_the_excerpt_collapses_runs_of_space_but_adds_none():
    """Runs of whitespace (newlines, tabs) become one space; none is added where the
    source has none, at the link's edges or at a cut."""
    page = read_page(
        "http://source.example/",
        "<p>  A  line\n\tthen<a href='http://blog.example/p/'>\n the link</a>,\nand more  </p>",
    )
    assert page.excerpt_around("http://blog.example/p/") == "[…] A line then the link, and more […]"
