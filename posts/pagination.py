"""Deep pages that skip posts in an index, not in the table.

WordPress serves /page/500/ with LIMIT 4990, 10: the database reads (and throws away) 4,990
whole rows first. Here a page past the first is found in two steps: the ids at its offset,
read from the index that matches the listing's ordering (an index-only scan, no row fetched
for what is skipped), then the rows of those ids with everything the listing shows. The
/page/N/ addresses stay as WordPress users know them.
"""

from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.utils.functional import cached_property


class IndexSkippingPaginator(Paginator):
    """Counted pages (the sitemap's, whose index names them all) that skip in the index."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom == 0:
            return super().page(number)  # nothing to skip: one query
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.prefetch_related(None).values_list("pk", flat=True)[bottom:top])
        # The same filters and ordering, so the rows come back in the page's order.
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


# The ranges of ids that hold a row of `visible`, found by jumping down the primary key
# from range to range: one index probe per range (a "loose index scan", as
# posts.archives finds months), however many rows each holds. The same SQL on SQLite.
ID_RANGES_SQL = """
WITH RECURSIVE ranges(n) AS (
    SELECT (max(v.id) - 1) / %s FROM ({visible}) v
  UNION ALL
    SELECT (SELECT (max(v.id) - 1) / %s FROM ({visible}) v WHERE v.id <= r.n * %s)
    FROM ranges r WHERE r.n IS NOT NULL
)
SELECT n FROM ranges WHERE n IS NOT NULL ORDER BY n
"""


class IdRangePaginator(Paginator):
    """Pages by ranges of ids, `per_page` ids wide (1–2000, 2001–4000, …), oldest first;
    only the ranges that hold a row of the queryset are pages. Nothing is counted: a page
    holds at most `per_page` rows because its range is that wide, the ranges are found in
    one query of one index probe each, and a page is a range of the primary key. A row
    keeps its page as others come; the queryset's filters (published(): its time has come)
    are read at every request, so a scheduled post joins its page, or opens it, by itself.
    """

    @cached_property
    def ranges(self):
        """The numbers n of the ranges (n·per_page, (n+1)·per_page] that hold a row."""
        visible = self.object_list.order_by().values("id")
        sql, params = visible.query.sql_with_params()
        size = self.per_page
        with connections[visible.db].cursor() as cursor:
            cursor.execute(ID_RANGES_SQL.format(visible=sql), [size, *params, size, *params, size])
            return [row[0] for row in cursor.fetchall()]

    @cached_property
    def num_pages(self):
        # As Paginator's: with no row, one empty page (allow_empty_first_page).
        return max(len(self.ranges), int(self.allow_empty_first_page))

    def page(self, number):
        number = self.validate_number(number)
        if not self.ranges:
            return self._get_page([], number, self)
        low = self.ranges[number - 1] * self.per_page
        rows = self.object_list.filter(pk__gt=low, pk__lte=low + self.per_page)
        return self._get_page(rows, number, self)


class OlderNewerPage(Page):
    """A page that knows whether an older one follows without the listing being counted."""

    def __init__(self, object_list, number, paginator, *, has_next):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self):
        return self._has_next

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


class OlderNewerPaginator(Paginator):
    """The listings' pages as WordPress themes link them, "Older posts" and "Newer posts",
    with no page count: one row (or id) more than a page is read to know whether another
    follows, so no listing counts its posts (WordPress's SQL_CALC_FOUND_ROWS reads them all).
    A page past the first skips in the index, as IndexSkippingPaginator's."""

    def page(self, number):
        number = int(number)
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (number - 1) * self.per_page
        window = bottom + self.per_page + 1
        if bottom == 0:
            rows = list(self.object_list[:window])
            more = len(rows) > self.per_page
            rows = rows[: self.per_page]
        else:
            ids = self.object_list.prefetch_related(None).values_list("pk", flat=True)
            ids = list(ids[bottom:window])
            more = len(ids) > self.per_page
            rows = list(self.object_list.filter(pk__in=ids[: self.per_page])) if ids else []
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return OlderNewerPage(rows, number, self, has_next=more)
