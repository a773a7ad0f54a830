"""How often linkbacks may make us work: counters per source address and per sender.

Each limit is `(count, seconds)` read from its setting when used. Windows are fixed (the
key names the window), and the counters live in the shared "ratelimit" cache, so every
worker sees them. add() alone sets a key's expiry: the database cache's incr() is a get
and a set with the DEFAULT timeout, so a key that incr() re-set would slide forward with
every hit and never let a busy address in again. On Redis incr() is atomic; on the
database cache two racing workers may both count one hit once, a slack of a few at most.
"""

import datetime
import ipaddress
import math
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from .addresses import host_identity

# An IPv6 end site gets a /64 at least (RFC 6177), so one sender holds the whole prefix.
IPV6_SENDER_PREFIX = 64


@dataclass(frozen=True)
class Limit:
    prefix: str  # of the cache keys
    setting: str  # names the (count, seconds) setting
    default: tuple

    @property
    def rate(self):
        return getattr(settings, self.setting, self.default)

    def _key(self, who):
        _count, seconds = self.rate
        return f"{self.prefix}:{who}:{int(time.time() // seconds)}"

    def take(self, who):
        """Count one hit for `who`; False once it is over the limit in this window."""
        count_limit, seconds = self.rate
        key, counters = self._key(who), caches["ratelimit"]
        counters.add(key, 0, seconds)
        try:
            count = counters.incr(key)
        except ValueError:  # the key expired between add() and incr()
            counters.add(key, 1, seconds)
            count = 1
        return count <= count_limit

    def spent(self, who):
        """Whether `who` has no hits left in this window, without counting one."""
        count_limit, _seconds = self.rate
        return caches["ratelimit"].get(self._key(who), 0) >= count_limit

    def retry_after(self):
        """Whole seconds until this window ends (HTTP Retry-After, RFC 9110 §10.2.3)."""
        _count, seconds = self.rate
        return max(1, math.ceil(seconds - time.time() % seconds))

    def later(self, attempt):
        """When to try again a piece of work refused for the `attempt`-th time: after this
        window, spread at random over a span that doubles with each attempt ("full
        jitter"), so a refused burst is let in over the next windows, not all at once."""
        _count, seconds = self.rate
        wait = self.retry_after() + random.uniform(0, seconds * 2 ** (attempt - 1))
        return datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=wait)


# Source fetches per address fetched, redirect hops included (verify.within_rate).
SOURCES = Limit("linkbacks:rate", "BLOGCMS_LINKBACK_RATE", (10, 60))
# Webmentions accepted per sender (the client address of the POST), before any is queued.
SENDERS = Limit("linkbacks:senders", "BLOGCMS_WEBMENTION_SENDER_RATE", (30, 60))


def sender(address):
    """The one key for a sender at `address` (a string, or None when unknown): an IPv4
    address as itself (an IPv6 spelling of one included), an IPv6 address as its /64."""
    if not address:
        return "unknown"
    identity = host_identity(ipaddress.ip_address(address))
    if identity.version == 6:
        return str(ipaddress.ip_network(f"{identity}/{IPV6_SENDER_PREFIX}", strict=False))
    return str(identity)
