"""Numbers as addresses, headers, cookies and files spell them: ASCII digits only.

str.isdigit() alone is not enough: "²".isdigit() is true yet int("²") raises, and int("٣")
is 3, so a page number or a length in other scripts would be a 500 or a surprise.
"""


def ascii_int(text, default=None):
    """`text` as an int when it is one or more ASCII digits, else `default`."""
    if isinstance(text, str) and text.isascii() and text.isdigit():
        return int(text)
    return default
