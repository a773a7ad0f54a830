"""Deep pages that skip posts in an index, not in the table.

WordPress serves /page/500/ with LIMIT 4990, 10: the database reads (and throws away) 4,990
whole rows first. Here a page past the first is found in two steps: the ids at its offset,
read from the index that matches the listing's ordering (an index-only scan, no row fetched
for what is skipped), then the rows of those ids with everything the listing shows. The
/page/N/ addresses stay as WordPress users know them.
"""

from django.core.paginator import EmptyPage, Page, Paginator


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
