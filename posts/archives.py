"""The months that have published posts, newest first, for the archives widget.

On PostgreSQL a recursive query jumps from month to month down the listing index
(posts_listing_order): one index probe per month, however many posts each month holds (a
"loose index scan"), instead of grouping every post of the blog. Months are the blog's
(TIME_ZONE), as its date archives are.
"""

from django.db import connection
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Post

MONTHS_SQL = """
WITH RECURSIVE months(start) AS (
    SELECT date_trunc('month', max(published_at) AT TIME ZONE %(tz)s)
    FROM {table} WHERE post_type = %(type)s AND status = %(status)s AND published_at <= %(now)s
  UNION ALL
    SELECT (
        SELECT date_trunc('month', max(p.published_at) AT TIME ZONE %(tz)s)
        FROM {table} p
        WHERE p.post_type = %(type)s AND p.status = %(status)s
        AND p.published_at < (m.start AT TIME ZONE %(tz)s)
    )
    FROM months m WHERE m.start IS NOT NULL
)
SELECT start AT TIME ZONE %(tz)s FROM months WHERE start IS NOT NULL
"""


def published_months():
    """[{"month": the first moment of a month with published posts}], newest first."""
    if connection.vendor != "postgresql":
        months = (
            Post.objects.posts()
            .published()
            .annotate(month=TruncMonth("published_at"))
            .values("month")
            .distinct()
            .order_by("-month")
        )
        return list(months)
    params = {
        "tz": timezone.get_current_timezone_name(),
        "type": Post.Type.POST,
        "status": Post.Status.PUBLISHED,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(MONTHS_SQL.format(table=Post._meta.db_table), params)
        return [{"month": row[0]} for row in cursor.fetchall()]
