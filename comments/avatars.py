"""Avatars drawn on our own server: a symmetric 5×5 pattern in one colour, from a keyed hash
of the commenter's email (or website, or name).

WordPress shows Gravatar images by default; those make every reader's browser ask a third
party, and Gravatar's MD5 of the email is easy to reverse. Ours is an HMAC with the site's
secret, so the picture's address says nothing about the email, and the same commenter gets
the same picture, which browsers cache once for every page it appears on.
"""

import hashlib
import hmac
import re
from functools import lru_cache

from django.conf import settings
from django.urls import reverse

SIZE = 5  # cells per side; columns 0-2 are drawn and mirrored
CELL = 8  # the SVG's units per cell
TOKEN = re.compile(r"[0-9a-f]{40}")


def avatar_seed(comment):
    return (comment.author_email or comment.author_url or comment.author_name).strip().lower()


@lru_cache(maxsize=4096)
def _url(seed, secret):
    token = hmac.new(secret.encode(), seed.encode(), hashlib.sha256).hexdigest()[:40]
    return reverse("comments:avatar", kwargs={"token": token})


def avatar_url(comment):
    """The picture's address: /avatar/<keyed hash>.svg (worked out once per commenter)."""
    return _url(avatar_seed(comment), settings.SECRET_KEY)


def identicon_svg(token):
    """The SVG drawn from a token's 20 bytes: a hue, then one bit per drawn cell."""
    digest = bytes.fromhex(token)
    hue = int.from_bytes(digest[:2], "big") % 360
    cells = []
    for row in range(SIZE):
        for column in range(3):
            if digest[2 + row * 3 + column] % 2:
                for x in sorted({column, SIZE - 1 - column}):
                    cells.append(
                        f'<rect x="{x * CELL}" y="{row * CELL}" width="{CELL}" height="{CELL}"/>'
                    )
    side = SIZE * CELL
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 {side + 8} {side + 8}">'
        f'<rect x="-4" y="-4" width="{side + 8}" height="{side + 8}" fill="#f0f0f0"/>'
        f'<g fill="hsl({hue},55%,45%)">{"".join(cells)}</g></svg>'
    )
