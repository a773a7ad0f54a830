"""Reading served pages as a browser does: strict HTML5 parsing and the text a reader sees."""

import re

import html5lib

NS = {"h": "http://www.w3.org/1999/xhtml"}


def parse(response):
    """The page as an element tree; any HTML5 parse error fails the test (strict mode)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    return parser.parse(response.content, transport_encoding="utf-8")


def text(element):
    """The element's text with whitespace collapsed, as a reader sees it."""
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def find(tree, xpath):
    """Elements by an XPath subset, written without namespaces (`.//main//h1`)."""
    path = re.sub(r"(?<=/)([a-z][a-z0-9]*)", r"h:\1", xpath)
    return tree.findall(path, NS)


def main_text(response):
    """The reader's text of the page's <main> element."""
    return text(find(parse(response), ".//main")[0])
