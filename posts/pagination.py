"""Deep pages that skip posts in an index, not in the table.

WordPress serves /page/500/ with LIMIT 4990, 10: the database reads (and throws away) 4,990
whole rows first. Here a page past the first is found in two steps: the ids at its offset,
read from the index that matches the listing's ordering (an index-only scan, no row fetched
for what is skipped), then the rows of those ids with everything the listing shows. The
/page/N/ addresses stay as WordPress users know them.
"""

from django.core.paginator import Paginator


class IndexSkippingPaginator(Paginator):
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
