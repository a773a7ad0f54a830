"""The stored post counts of categories and tags (Category.post_count, TagUse.posts), as
WordPress keeps wp_term_taxonomy.count: the sidebar lists categories and the tag cloud from
them instead of counting a big blog's posts at every change.

Each count is made again from the tables (so it is exact whatever ran before) for the
categories and tags a change touches: a post saved or deleted, categories or tags added,
removed or cleared from either side. Published posts are counted, scheduled ones included;
the widgets' queries take those off (`categories_with_posts`, `most_used_tags`), so a
scheduled post shows up in the counts by itself when its time comes, with no cron.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from .models import Category, Post, TagUse


def _counted():
    return Post.objects.posts().filter(status=Post.Status.PUBLISHED)


def _tagged_posts():
    return TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Post))


def count_posts(category_ids=(), tag_ids=()):
    """Store the number of published posts of each of these categories and tags. Their rows
    are locked first (in id order), so two posts published at once into one category are
    counted one after the other, each seeing the other (as comments.models.count_responses)."""
    category_ids = sorted({pk for pk in category_ids if pk is not None})
    tag_ids = sorted({pk for pk in tag_ids if pk is not None})
    with transaction.atomic():
        if category_ids:
            _count_categories(category_ids)
        if tag_ids:
            _count_tags(tag_ids)


def _count_categories(category_ids):
    categories = Category.objects.filter(pk__in=category_ids)
    list(categories.select_for_update().order_by("pk").values_list("pk", flat=True))
    per_category = (
        Post.categories.through.objects.filter(category=OuterRef("pk"), post__in=_counted())
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
        .values("n")
    )
    categories.update(post_count=Coalesce(Subquery(per_category, output_field=IntegerField()), 0))


def _count_tags(tag_ids):
    tags = Tag.objects.filter(pk__in=tag_ids).select_for_update().order_by("pk")
    tag_ids = list(tags.values_list("pk", flat=True))  # those that still exist, locked
    counts = dict(
        _tagged_posts()
        .filter(tag_id__in=tag_ids, object_id__in=_counted().values("pk"))
        .values("tag_id")
        .annotate(n=Count("pk"))
        .values_list("tag_id", "n")
    )
    TagUse.objects.bulk_create(
        [TagUse(tag_id=pk, posts=counts.get(pk, 0)) for pk in tag_ids],
        update_conflicts=True,
        unique_fields=["tag"],
        update_fields=["posts"],
    )


def count_all():
    """Every category and tag counted again (`manage.py recount`, after a bulk import that
    went around the ORM)."""
    count_posts(
        Category.objects.values_list("pk", flat=True), Tag.objects.values_list("pk", flat=True)
    )


def _scheduled(terms_sql):
    """SQL for {term id: scheduled posts} from `terms_sql`, which joins post `p`."""
    # Only table and column names are formatted in; every value is a parameter.
    return f"""(SELECT {terms_sql}, COUNT(*) AS n FROM {{post}} p {{join}}
        WHERE p.post_type = %s AND p.status = %s AND p.published_at > %s GROUP BY 1)"""  # noqa: S608


def categories_with_posts():
    """(path, name, count) of each category with published posts, by name: the stored count
    less its scheduled posts (usually none), in one query that reads no post of the past.
    Rows, not models: the widget lists every category, hundreds on a big blog."""
    through = Post.categories.through._meta.db_table
    scheduled = _scheduled("pc.category_id").format(
        post=Post._meta.db_table, join=f"JOIN {through} pc ON pc.post_id = p.id"
    )
    sql = f"""SELECT c.path, c.name, c.post_count - COALESCE(s.n, 0) AS count
        FROM {Category._meta.db_table} c LEFT JOIN {scheduled} s ON s.category_id = c.id
        WHERE c.post_count > COALESCE(s.n, 0) ORDER BY c.name, c.id"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, _scheduled_params())
        return cursor.fetchall()


def most_used_tags(limit):
    """The `limit` tags on most published posts, each with its `count` (the stored count less
    its scheduled posts), most used first, in one query.

    Only the tags whose stored count reaches the (limit + S)th highest are read, S being the
    tags with a scheduled post (usually none), from the index on TagUse.posts: at least
    `limit` of those have no scheduled post, so their count is their stored count, and every
    tag below it counts fewer. The cloud reads some 50 rows, not all of a big blog's tags."""
    items = TaggedItem._meta.db_table
    content_type = ContentType._meta.db_table
    uses = TagUse._meta.db_table
    scheduled = _scheduled("ti.tag_id").format(
        post=Post._meta.db_table,
        join=f"""JOIN {items} ti ON ti.object_id = p.id
            JOIN {content_type} ct ON ct.id = ti.content_type_id
            AND ct.app_label = 'posts' AND ct.model = 'post'""",
    )
    sql = f"""SELECT t.id, t.name, t.slug, u.posts - COALESCE(s.n, 0) AS count
        FROM {uses} u JOIN {Tag._meta.db_table} t ON t.id = u.tag_id
        LEFT JOIN {scheduled} s ON s.tag_id = u.tag_id
        WHERE u.posts > COALESCE(s.n, 0) AND u.posts >= COALESCE((
            SELECT k.posts FROM {uses} k ORDER BY k.posts DESC
            LIMIT 1 OFFSET %s + (SELECT COUNT(*) FROM {scheduled} c) - 1), 0)
        ORDER BY count DESC, t.name LIMIT %s"""  # noqa: S608
    return Tag.objects.raw(sql, [*_scheduled_params(), limit, *_scheduled_params(), limit])


def _scheduled_params():
    return [Post.Type.POST, Post.Status.PUBLISHED, timezone.now()]


def _terms_of(post):
    categories = list(post.categories.values_list("pk", flat=True))
    tags = list(_tagged_posts().filter(object_id=post.pk).values_list("tag_id", flat=True))
    return categories, tags


def post_saved(sender, instance, raw=False, **kwargs):
    """A post published, taken down or turned into a page changes its terms' counts."""
    if raw or kwargs.get("created"):
        return  # a new post has no categories or tags yet: they come through m2m_changed
    categories, tags = _terms_of(instance)
    count_posts(categories, tags)


def post_deleting(sender, instance, **kwargs):
    instance._counted_terms = _terms_of(instance)


def post_deleted(sender, instance, **kwargs):
    count_posts(*getattr(instance, "_counted_terms", ((), ())))


def categories_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear":
        instance._cleared_terms = (
            [instance.pk] if reverse else list(instance.categories.values_list("pk", flat=True))
        )
    elif action == "post_clear":
        count_posts(getattr(instance, "_cleared_terms", ()))
    elif action in ("post_add", "post_remove"):
        count_posts([instance.pk] if reverse else pk_set)


def tags_changed(sender, instance, action, pk_set, **kwargs):
    if not isinstance(instance, Post):
        return
    if action == "pre_clear":
        instance._cleared_tags = _terms_of(instance)[1]
    elif action == "post_clear":
        count_posts(tag_ids=getattr(instance, "_cleared_tags", ()))
    elif action in ("post_add", "post_remove"):
        count_posts(tag_ids=pk_set or ())


def connect():
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    for model in _post_models():
        uid = model.__name__
        post_save.connect(post_saved, sender=model, dispatch_uid=f"counts-save-{uid}")
        pre_delete.connect(post_deleting, sender=model, dispatch_uid=f"counts-predel-{uid}")
        post_delete.connect(post_deleted, sender=model, dispatch_uid=f"counts-del-{uid}")
    m2m_changed.connect(
        categories_changed, sender=Post.categories.through, dispatch_uid="counts-categories"
    )
    m2m_changed.connect(tags_changed, sender=TaggedItem, dispatch_uid="counts-tags")


def _post_models():
    from .models import Page

    # A proxy model's saves are sent as its own (Page), not as Post's.
    return (Post, Page)
