"""Numbers as addresses, headers, cookies and files spell them: ASCII digits only.

str.isdigit() alone is not enough: "²".isdigit() is true yet int("²") raises, and int("٣")
is 3, so a page number or a length in other scripts would be a 500 or a surprise. Nor is
any count of digits a number: int() refuses more than sys.get_int_max_str_digits() (4,300;
CVE-2020-10735), and no id, page or size of ours is longer than a bigint's 19 digits.
"""

# Far more than any id, page or length (a bigint has 19 digits), far less than int() reads.
MAX_DIGITS = 100


def ascii_int(text, default=None):
    """`text` as an int when it is one to MAX_DIGITS ASCII digits, else `default`."""
    if isinstance(text, str) and len(text) <= MAX_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return default
