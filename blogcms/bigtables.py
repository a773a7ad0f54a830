"""Admin lists that stay fast on a big table: a million comments are never counted whole
at each view, and facet counts ("Pending (3)") are shown only while counting is cheap.

PostgreSQL keeps an estimate of each table's rows (pg_class.reltuples, refreshed by
autovacuum); a bounded count (at most LIMIT + 1 rows) answers elsewhere, and when the
estimate is missing.
"""

import time

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

# Up to this many rows a table is counted exactly, facets and totals included.
COUNT_EXACTLY_UP_TO = 20_000
# How long a worker trusts its last look at a table's size (one admin page asks many times).
SIZE_SECONDS = 60
_sizes = {}


def estimated_rows(model):
    """About how many rows `model`'s table holds: exact up to COUNT_EXACTLY_UP_TO (one
    bounded count), PostgreSQL's estimate above it; looked at once a minute per worker."""
    key = (connection.settings_dict["NAME"], model._meta.db_table, COUNT_EXACTLY_UP_TO)
    seen = _sizes.get(key)
    if seen and time.monotonic() - seen[1] < SIZE_SECONDS:
        return seen[0]
    rows = _count_rows(model)
    _sizes[key] = (rows, time.monotonic())
    return rows


def _count_rows(model):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
        if row and row[0] > COUNT_EXACTLY_UP_TO:
            return row[0]
    return model._base_manager.order_by()[: COUNT_EXACTLY_UP_TO + 1].count()


class EstimatedCountPaginator(Paginator):
    """The unfiltered list of a big table shows its estimated size; a filtered list (the
    pending queue, one post's responses) is counted exactly, through its index."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.where:
            rows = estimated_rows(queryset.model)
            if rows > COUNT_EXACTLY_UP_TO:
                return rows
        return super().count


class BigTableAdmin(admin.ModelAdmin):
    """A ModelAdmin whose list counts its table only while that is cheap."""

    paginator = EstimatedCountPaginator

    @property
    def is_big(self):
        return estimated_rows(self.model) > COUNT_EXACTLY_UP_TO

    @property
    def show_facets(self):
        # Each facet is a count over the whole filtered table: a click away on a big one.
        return admin.ShowFacets.ALLOW if self.is_big else admin.ShowFacets.ALWAYS

    @property
    def show_full_result_count(self):
        return not self.is_big
