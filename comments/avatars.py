"""Avatars drawn on our own server: a symmetric 5×5 pattern in one colour, from a keyed hash
of the commenter's email (or website, or name).

WordPress shows Gravatar images by default; those make every reader's browser ask a third
party, and Gravatar's MD5 of the email is easy to reverse. Ours is an HMAC with the site's
secret, so the picture says nothing about the address, and the same commenter always gets
the same picture on this site.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

SIZE = 5  # cells per side; columns 0-2 are drawn and mirrored
CELL = 8  # the SVG's units per cell


def avatar_seed(comment):
    return (comment.author_email or comment.author_url or comment.author_name).strip().lower()


@lru_cache(maxsize=4096)
def identicon(seed, secret):
    """A data: URI of the SVG picture for `seed`."""
    digest = hmac.new(secret.encode(), seed.encode(), hashlib.sha256).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    colour = f"hsl({hue},55%,45%)"
    cells = []
    for row in range(SIZE):
        for column in range(3):
            if digest[2 + row * 3 + column] % 2:
                for x in {column, SIZE - 1 - column}:
                    cells.append(
                        f'<rect x="{x * CELL}" y="{row * CELL}" width="{CELL}" height="{CELL}"/>'
                    )
    side = SIZE * CELL
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 {side + 8} {side + 8}">'
        f'<rect x="-4" y="-4" width="{side + 8}" height="{side + 8}" fill="#f0f0f0"/>'
        f'<g fill="{colour}">{"".join(cells)}</g></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def avatar_uri(comment):
    return identicon(avatar_seed(comment), settings.SECRET_KEY)
