"""How often linkbacks may make us work: counters per source address and per sender.

Each limit is `(count, seconds)` read from its setting when used. Windows are fixed (the
key names the window), and the counters live in the shared "ratelimit" cache, so every
worker sees them. add() alone sets a key's expiry: the database cache's incr() is a get
and a set with the DEFAULT timeout, so a key that incr() re-set would slide forward with
every hit and never let a busy address in again. On Redis incr() is atomic; on the
database cache two racing workers may both count one hit once, a slack of a few at most.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches


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


# Source fetches per address fetched, redirect hops included (verify.within_rate).
SOURCES = Limit("linkbacks:rate", "BLOGCMS_LINKBACK_RATE", (10, 60))
