"""WordPress records (wxr.parse) → blogcms objects.

Passes over the file: one reads it whole and checks it; one makes the attachments into
library items (wxr.attachments.Library), when the file has any, since a post may show an
image whose attachment comes later in the file; the last imports the channel, the posts,
then the pages (held to the end and stored parents first: a page's address is its
parent's plus its slug) with their comments.

Transactions: the whole file is read once before anything is written (wxr.parse raises on a
broken or hostile file, naming where, and nothing is stored). Then items are written in
batches, each batch in one transaction holding its posts with their terms and comments, so a
post never lands without its comments. An item whose data is unusable (a date that is not a
date, a status WordPress does not have) is skipped alone, with its comments, and named in
the summary. Should the database fail mid-run, the batches already committed are whole, and
running the same file again finishes the job: everything is matched by its WordPress ID.

Speed: rows are made with bulk_create, a batch at a time, with the same sanitizer Post.save
runs on bodies and the same Comment.render() every comment's HTML comes from. bulk_create
sends no post_save, so no linkback is sent for an imported post (WordPress's importer does
the same: _publish_post_hook returns early under WP_IMPORTING); cached pages are invalidated
once at the end.
"""

import datetime
import ipaddress

from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import TaggedItem

from blogcms.cache import content_changed
from blogcms.numbers import ascii_int
from comments import models as comment_models
from comments.models import Comment, count_all_responses
from posts.counts import count_all
from posts.models import OldSlug, Post
from revisions.models import Revision

from .attachments import Library
from .channel import Channel, Unusable, wordpress_date, wordpress_slug
from .content import relabel_images, shortcodes_left, to_blogcms
from .models import SourceBlog, WordPressID
from .parse import WXRError, read
from .records import ZERO_DATE, Author, BrokenItem, Item, Note, Site, Term
from .summary import Summary

Kind = WordPressID.Kind
BATCH_ITEMS = 200
# Post types that are the site's machinery, not its writing (menus, block-theme styles…).
NOT_CONTENT = {
    "nav_menu_item",
    "wp_global_styles",
    "wp_template",
    "wp_template_part",
    "wp_navigation",
    "wp_block",
    "custom_css",
    "customize_changeset",
    "oembed_cache",
    "user_request",
    "revision",
}
POST_STATUSES = {
    "publish": Post.Status.PUBLISHED,
    "future": Post.Status.PUBLISHED,  # published with a date to come: scheduled
    "draft": Post.Status.DRAFT,
    "pending": Post.Status.PENDING,
    "private": Post.Status.PRIVATE,
}
COMMENT_STATUSES = {
    "1": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.TRASH,
    "post-trashed": Comment.Status.TRASH,
}
COMMENT_TYPES = {
    "": Comment.Type.COMMENT,
    "comment": Comment.Type.COMMENT,
    "pingback": Comment.Type.PINGBACK,
    "trackback": Comment.Type.TRACKBACK,
    "webmention": Comment.Type.WEBMENTION,  # the Webmention plugin's type
}


class Importer:
    """Import one export. `progress(done, total)` is called as items are written."""

    def __init__(self, *, media_dir=None, progress=None, batch_items=BATCH_ITEMS, same_blog=False):
        self.media_dir = media_dir
        self.progress = progress or (lambda done, total: None)
        self.batch_items = batch_items
        self.same_blog = same_blog
        self.summary = Summary()
        self.channel = Channel(self.summary)
        self._batch = []
        self._reserved = set()  # slugs of the old blog's public posts (they keep them)
        self._total = self._done = 0
        self._base_url = ""
        self._zone_moves = 0
        self._old_offset = ""
        self._pages = []  # held to the end of the run, then stored parents first
        self._attachment_count = 0
        self._menu_pages = set()  # pages the old blog's navigation menus link to
        self._has_menus = False
        self.library = Library(self.summary, self.channel, media_dir)

    # -- the run --------------------------------------------------------------------------

    def run(self, open_file):
        """`open_file()` returns the export as a new binary file each time: it is read once
        to check it whole and count its items, then again to import it."""
        with open_file() as source:
            self._survey(source)
        if refusal := SourceBlog.check_same_blog(self._base_url, moved=self.same_blog):
            raise WXRError(refusal)
        self.progress(0, self._total)
        self.library.load()
        if self._attachment_count:
            # Files first, in a pass of their own: a post may show an image whose
            # attachment comes later in the file (WordPress writes items by ID).
            with open_file() as source:
                for record in read(source):
                    if isinstance(record, Author | Term):
                        self.channel.add(record)  # their uploaders
                    elif isinstance(record, Item) and record.post_type == "attachment":
                        self.channel.write()
                        self.import_attachment(record)
        with open_file() as source:
            for record in read(source):
                self._take(record)
        self.channel.write()
        self._flush()
        self._flush_pages()
        if self._zone_moves:
            zone = timezone.get_current_timezone_name()
            self.summary.warnings.append(
                f"{self._zone_moves} posts were dated on the old blog in a time zone "
                f"({self._old_offset}) other than this site's ({zone}): their "
                "/YYYY/MM/DD/slug/ links would move a day. "
                "Set TIME_ZONE to the old blog's zone, then import into a fresh database."
            )
        # bulk_create sends no signals: the stored counts (responses per post, posts per
        # category and tag) are made again from the tables, and the pages are renewed once.
        count_all_responses()
        count_all()
        content_changed()
        return self.summary

    def _survey(self, source):
        for record in read(source):
            if isinstance(record, Site):
                self._base_url = record.base_blog_url or record.base_site_url or record.link
                self.library.base_url = self._base_url
                for url in (record.base_site_url, record.base_blog_url, record.link):
                    self.library.note_host(url)
            if isinstance(record, Item | BrokenItem):
                self._total += 1
            if isinstance(record, Term) and record.taxonomy == "nav_menu":
                self._has_menus = True
            if not isinstance(record, Item):
                continue
            public = record.status in ("publish", "future", "private")
            if record.post_type in ("post", "page") and public:
                self.library.note_entry(record.link)
            if record.post_type == "post" and public:
                self._reserved.add(wordpress_slug(record.slug))
            elif record.post_type == "attachment":
                self._attachment_count += 1
                self.library.note_host(record.attachment_url)
            elif record.post_type == "nav_menu_item":
                self._has_menus = True
                page_id = ascii_int(record.meta_value("_menu_item_object_id").strip())
                if record.meta_value("_menu_item_object") == "page" and page_id is not None:
                    self._menu_pages.add(page_id)

    def _take(self, record):
        if isinstance(record, Site):
            self.summary.site = record
        elif isinstance(record, Author | Term):
            self.channel.add(record)
        elif isinstance(record, Note):
            self.summary.warnings.append(record.text)
        elif isinstance(record, BrokenItem):
            self.summary.skip(record.reason, record.label)
            self._advance(1)
        else:
            self.channel.write()
            self._item(record)

    def _advance(self, count):
        self._done += count
        self.progress(self._done, self._total)

    def _item(self, item):
        if item.post_type == "post":
            self._post_item(item)
        elif item.post_type == "page":
            self.import_page(item)
        elif item.post_type == "attachment":
            pass  # imported in the pass before (run())
        elif item.post_type in NOT_CONTENT:
            self._skip_item(item, f"{item.post_type} items (site machinery, not content)")
        else:
            self._skip_item(item, f"custom post type {item.post_type}")

    def _skip_item(self, item, reason, advance=True):
        """The item is not imported, nor are its comments."""
        self.summary.skip(reason, item.label)
        for comment in item.comments:
            self.summary.skip("comments on skipped items", f"comment {comment.wp_id}")
        if advance:
            self._advance(1)

    def _post_item(self, item):
        if item.status not in POST_STATUSES:
            reason = {
                "trash": "in WordPress's trash",
                "auto-draft": "auto-drafts",
                "inherit": "revisions",
            }.get(item.status, f"status {item.status!r} unknown")
            self._skip_item(item, reason)
            return
        self._batch.append(item)
        if len(self._batch) >= self.batch_items:
            self._flush()

    # -- pages -------------------------------------------------------------------------

    def import_page(self, item):
        """A WordPress page: a Post of type page, with its parent and menu order. Pages are
        held until the posts are in, then stored a generation at a time, parents first
        (WordPress writes items by ID, and a parent may come after its child), since a
        page's address is its parent's plus its slug."""
        self._pages.append(item)

    def _flush_pages(self):
        waiting = {}
        for item in self._pages:
            waiting.setdefault(item.wp_id, item)
        repeated = len(self._pages) - len(waiting)  # counted once, as _flush() does
        self._pages = []
        while waiting:
            generation = [i for i in waiting.values() if i.parent not in waiting]
            generation = generation or list(waiting.values())  # a loop: broken at the top
            for item in generation:
                del waiting[item.wp_id]
            for start in range(0, len(generation), self.batch_items):
                self._batch = generation[start : start + self.batch_items]
                self._flush()
        self._advance(repeated)

    def _place_pages(self, made):
        """Each new page's parent and stored path (bulk_create skips Page.save, which would
        compute it): its parent is stored by now, as pages are stored parents first. An
        address already taken, by a page here or by another part of the site, gets -2, -3…
        (wp_unique_post_slug() for hierarchical types), and its old one is kept as an
        OldSlug."""
        pages = [(item, page) for item, page in made if page.is_page]
        if not pages:
            return []
        parents = WordPressID.known(Kind.POST, {i.parent for i, _ in pages if i.parent})
        paths = dict(Post.objects.pages().filter(pk__in=parents.values()).values_list("pk", "path"))
        for item, page in pages:
            page.parent_id = parents.get(item.parent)
            if item.parent and page.parent_id not in paths:
                page.parent_id = None
                self.summary.warn(
                    "pages whose parent page is not in the file, put at the top",
                    f"{item.label} (under {item.parent})",
                )
            page.path = f"{paths[page.parent_id]}/{page.slug}" if page.parent_id else page.slug
        wanted = [page.path for _, page in pages]
        taken = set(Post.objects.pages().filter(path__in=wanted).values_list("path", flat=True))
        renamed = []
        for _, page in pages:
            old = page.path
            n = 2
            while page.path in taken or not _page_route(page.path):
                page.slug = f"{old.rpartition('/')[2][:190]}-{n}"
                page.path = f"{old.rpartition('/')[0]}/{page.slug}".lstrip("/")
                n += 1
            if page.path != old:
                self.summary.warn("pages whose address was taken here, renamed", f"/{old}/")
                renamed.append((page, old))
            taken.add(page.path)
        return renamed

    def _page_shown_in_menu(self, item):
        """The old blog's menus name the page; without menus, WordPress's fallback menu
        (wp_page_menu()) lists every page, so the top-level ones are shown."""
        return item.wp_id in self._menu_pages if self._has_menus else not item.parent

    # -- attachments ---------------------------------------------------------------------

    def import_attachment(self, item):
        """A WordPress attachment becomes a library item (wxr.attachments.Library)."""
        self._advance(1)
        self.library.add(item)

    def rewrite_url(self, url):
        """The new address of an imported file at `url` of the old blog, or None (kept)."""
        return self.library.rewrite_url(url)

    # -- posts and their comments, a batch at a time --------------------------------------

    def _flush(self):
        items, self._batch = self._batch, []
        if not items:
            return
        with transaction.atomic():
            known = WordPressID.known(Kind.POST, [item.wp_id for item in items])
            for item in {i.wp_id: i for i in items if i.wp_id in known}.values():
                self.summary.existing[_kind(item)] += 1
            made = []
            for item in items:
                if item.wp_id in known:
                    continue
                try:
                    made.append((item, self._new_post(item)))
                except Unusable as exc:
                    self._skip_item(item, str(exc), advance=False)
                known[item.wp_id] = None  # a repeated ID in the file counts once
            self._store_posts(made)
            known.update({item.wp_id: post.pk for item, post in made})
            self._import_comments(items, known)
        self._advance(len(items))

    def _new_post(self, item):
        status = POST_STATUSES[item.status]
        published_at = wordpress_date(item.date, item.date_gmt, "post_date")
        modified_at = wordpress_date(item.modified or item.date, item.modified_gmt, "post_modified")
        if item.password and status == Post.Status.PUBLISHED:
            # blogcms has no post passwords: private keeps the text from the public.
            status = Post.Status.PRIVATE
            self.summary.warn(
                "password-protected posts imported as private (blogcms has no post passwords)",
                item.label,
            )
        self._check_zone(item, published_at)
        title = item.title.strip()[:300]
        body = relabel_images(to_blogcms(item.content, self.rewrite_url), self.library.relabel)
        if names := shortcodes_left(body):
            self.summary.warn(
                "posts with shortcodes blogcms does not run, kept as text",
                f"{item.label} [{', '.join(names)}]",
            )
        post = Post(
            title=title,
            slug=wordpress_slug(item.slug) or slugify(title, allow_unicode=True)[:200] or "post",
            author_id=self.channel.user_for(item.creator),
            body=Post._meta.get_field("body").sanitize(body),
            excerpt=item.excerpt.strip(),
            status=status,
            published_at=published_at,
            comments_open=item.comment_status == "open",
            pings_open=item.ping_status == "open",
            sticky=item.sticky,
            featured_image_id=self.library.featured_image(item),
        )
        if item.post_type == "page":
            post.post_type = Post.Type.PAGE
            post.menu_order = item.menu_order
            post.show_in_menu = self._page_shown_in_menu(item)
        post.created_at, post.modified_at = published_at, modified_at
        return post

    def _check_zone(self, item, published_at):
        """Counts posts whose local date on the old blog is not their date here."""
        has_both = item.date_gmt and item.date_gmt != ZERO_DATE and item.date
        if has_both and timezone.localtime(published_at).strftime("%Y-%m-%d") != item.date[:10]:
            self._zone_moves += 1
            if not self._old_offset:
                local = datetime.datetime.strptime(item.date, "%Y-%m-%d %H:%M:%S")
                hours = (local - published_at.replace(tzinfo=None)).total_seconds() / 3600
                self._old_offset = f"UTC{hours:+g}"

    def _store_posts(self, made):
        if not made:
            return
        renamed = self._unique_slugs([(i, p) for i, p in made if not p.is_page])
        renamed += self._place_pages(made)
        dates = [(post.created_at, post.modified_at) for _, post in made]
        posts = Post.objects.bulk_create([post for _, post in made])
        for post, (created, modified) in zip(posts, dates, strict=True):
            post.created_at, post.modified_at = created, modified  # auto_now set them to now
        Post.objects.bulk_update(posts, ["created_at", "modified_at"])
        # bulk_create sends no post_save, so no Revision.record: each post keeps its
        # imported text as its first revision here, as a post made in the admin does.
        Revision.objects.bulk_create(
            Revision(
                post=post,
                created_at=post.modified_at,
                **{name: getattr(post, name) for name in Revision.FIELDS},
            )
            for post in posts
        )
        WordPressID.remember(Kind.POST, [(item.wp_id, post.pk) for item, post in made])
        through = Post.categories.through
        links, tagged = [], []
        for item, post in made:
            categories, tags = set(), set()
            for term in item.terms:
                if term.domain == "category":
                    categories.add(self.channel.category_for(term))
                elif term.domain == "post_tag":
                    tags.add(self.channel.tag(term.name, wordpress_slug(term.slug)))
            links += [through(post_id=post.pk, category_id=pk) for pk in categories]
            tagged += [TaggedItem(content_object=post, tag_id=pk) for pk in tags]
        through.objects.bulk_create(links)
        TaggedItem.objects.bulk_create(tagged)
        old = [OldSlug(post=post, slug=slug) for post, slug in renamed]
        OldSlug.objects.bulk_create(old, ignore_conflicts=True)
        for post in posts:
            self.summary.created["pages" if post.is_page else "posts"] += 1

    def _unique_slugs(self, made):
        """WordPress's wp_unique_post_slug(): a taken slug gets -2, -3…. The old blog's
        public posts keep theirs (a draft there may share one); a public post that still
        had to change keeps its old slug as an OldSlug, so its old permalink redirects."""
        wanted = {post.slug for _, post in made}
        taken = set(Post.objects.posts().filter(slug__in=wanted).values_list("slug", flat=True))
        renamed = []
        for _, post in made:
            public = post.status != Post.Status.DRAFT and post.status != Post.Status.PENDING
            slug = post.slug
            if slug in taken or (not public and slug in self._reserved):
                base, n = slug[:190], 2
                while (
                    (candidate := f"{base}-{n}") in taken
                    or candidate in self._reserved
                    or (Post.objects.posts().filter(slug=candidate).exists())
                ):
                    n += 1
                post.slug = candidate
                if public:
                    renamed.append((post, slug))
            taken.add(post.slug)
        return renamed

    def _import_comments(self, items, post_pks):
        pairs = [(item, c) for item in items if post_pks.get(item.wp_id) for c in item.comments]
        known = WordPressID.known(Kind.COMMENT, [c.wp_id for _, c in pairs])
        new, seen = [], set()
        for item, record in pairs:
            kind = "pingbacks" if record.type in ("pingback", "trackback") else "comments"
            if record.wp_id in known or record.wp_id in seen:
                self.summary.existing[kind] += 1
                continue
            seen.add(record.wp_id)
            try:
                comment = self._new_comment(record, post_pks[item.wp_id])
            except Unusable as exc:
                self.summary.skip(f"comments: {exc}", f"comment {record.wp_id} on {item.label}")
                continue
            new.append((record, comment))
            self.summary.created[kind] += 1
        Comment.objects.bulk_create([comment for _, comment in new], batch_size=1000)
        WordPressID.remember(Kind.COMMENT, [(r.wp_id, comment.pk) for r, comment in new])
        self._thread(new, known)

    def _new_comment(self, record, post_pk):
        if not record.wp_id:
            raise Unusable("no wp:comment_id")
        if record.type not in COMMENT_TYPES:
            raise Unusable(f"type {record.type!r} unknown")
        if record.approved not in COMMENT_STATUSES:
            raise Unusable(f"status {record.approved!r} unknown")
        comment = Comment(
            post_id=post_pk,
            type=COMMENT_TYPES[record.type],
            status=COMMENT_STATUSES[record.approved],
            author_name=record.author[: comment_models.MAX_AUTHOR],
            author_email=record.author_email[: comment_models.MAX_EMAIL],
            author_url=Comment.usable_website(record.author_url),
            author_ip=_address(record.author_ip),
            user_id=self.channel.users_by_wp_id.get(record.user_id),
            content=record.content[: comment_models.MAX_CONTENT],
            created_at=wordpress_date(record.date, record.date_gmt, "comment_date"),
        )
        if record.author_url.strip() and not comment.author_url:
            self.summary.warn(
                "comment websites that are not an http(s) address, dropped",
                f"comment {record.wp_id}",
            )
        comment.render()  # content_html: the one path every comment's HTML takes
        return comment

    def _thread(self, new, known):
        """Replies point at their parent once every comment has its pk (a parent may come
        after its reply, or sit in an earlier run's import)."""
        pks = dict(known) | {record.wp_id: comment.pk for record, comment in new}
        missing = {r.parent for r, _ in new if r.parent and r.parent not in pks}
        pks |= WordPressID.known(Kind.COMMENT, missing)
        replies = []
        for record, comment in new:
            if record.parent:
                comment.parent_id = pks.get(record.parent)
                if comment.parent_id:
                    replies.append(comment)
                else:
                    self.summary.warn(
                        "replies to a comment not in the file, put at the top of their thread",
                        f"comment {record.wp_id} (reply to {record.parent})",
                    )
        Comment.objects.bulk_update(replies, ["parent"], batch_size=1000)


def _kind(item):
    return "pages" if item.post_type == "page" else "posts"


def _page_route(path):
    """The address /`path`/ is a page's (not a date archive's, the feed's, the admin's)."""
    try:
        return resolve(f"/{path}/").view_name == "posts:page"
    except Resolver404:
        return False


def _address(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
