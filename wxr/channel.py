"""The channel of a WordPress export: its authors, categories and tags. They come before
the items; they are kept as read, written at once before the first item, and then looked
up by the items (login, slug and name → our pk) without a query each."""

import datetime
from urllib.parse import unquote

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from posts.models import Category

from .models import WordPressID
from .records import ZERO_DATE, Author, Term

Kind = WordPressID.Kind


class Unusable(Exception):
    """This item's data cannot be imported; the message is the reason the summary gives."""


def wordpress_slug(slug):
    """WordPress percent-encodes non-ASCII slugs (%d0%bf…); blogcms keeps them as text.
    A slash (never in a WordPress slug, but the file is a stranger's) would split the URL."""
    return unquote(slug).replace("/", "-").strip()[:200]


def wordpress_date(local, gmt, label):
    """WordPress's GMT date when set; else its local date, read in our time zone."""
    try:
        if gmt and gmt != ZERO_DATE:
            naive = datetime.datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S")
            return naive.replace(tzinfo=datetime.UTC)
        naive = datetime.datetime.strptime(local, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise Unusable(f"its {label} is not a date") from None
    return timezone.make_aware(naive)


class Channel:
    """Authors (matched by login), categories (by WordPress ID, else slug) and tags (by
    name), each remembered with its WordPress ID."""

    def __init__(self, summary):
        self.summary = summary
        self._authors, self._categories, self._tags = [], [], []
        self._written = False
        self._users = {}  # login → pk
        self.users_by_wp_id = {}  # author_id → pk
        self._category_pks = {}  # slug → pk
        self._tag_pks = {}  # lower-case name → pk
        self._terms_read = set()  # (taxonomy, term ID)

    def add(self, record):
        """An Author or Term read from the channel, kept until write()."""
        if self._written:
            return  # stored already, from an earlier pass over the same file
        if isinstance(record, Term) and record.wp_id is not None:
            # WordPress (5.x, 6.x) writes each category and tag twice, as wp:category or
            # wp:tag and again as wp:term: export_wp() asks get_terms() for the terms of
            # "custom taxonomies", and a blog with none gets every taxonomy's terms.
            if (record.taxonomy, record.wp_id) in self._terms_read:
                return
            self._terms_read.add((record.taxonomy, record.wp_id))
        if isinstance(record, Author):
            self._authors.append(record)
        elif record.taxonomy == "category":
            self._categories.append(record)
        elif record.taxonomy == "post_tag":
            self._tags.append(record)
        else:
            self.summary.skip(f"terms of the {record.taxonomy or 'unnamed'} taxonomy", record.name)

    def write(self):
        """Store them, once, before the first item needs them."""
        if self._written:
            return
        self._written = True
        with transaction.atomic():
            self._import_authors(self._authors)
            self._import_categories()
            self._import_tags()
        self._authors = self._categories = self._tags = None

    def _import_authors(self, authors):
        users = get_user_model()
        known = WordPressID.known(Kind.USER, [a.wp_id for a in authors if a.wp_id])
        for author in authors:
            if not author.login:
                self.summary.skip("authors without a login", author.display_name)
                continue
            if pk := known.get(author.wp_id):
                self.summary.existing["authors"] += 1
            elif pk := users.objects.filter(username=author.login).values_list("pk").first():
                pk = pk[0]
                self.summary.existing["authors"] += 1
                if author.wp_id:
                    WordPressID.remember(Kind.USER, [(author.wp_id, pk)])
            else:
                pk = self._new_user(author).pk
                if author.wp_id:
                    WordPressID.remember(Kind.USER, [(author.wp_id, pk)])
            self._users[author.login] = pk
            if author.wp_id:
                self.users_by_wp_id[author.wp_id] = pk

    def _new_user(self, author):
        """An author who must set a password before logging in (WordPress's passwords
        are not in the export), with WordPress's Author role: they wrote posts."""
        first, last = author.first_name, author.last_name
        if not (first or last) and author.display_name != author.login:
            # The byline WordPress showed ("Barrio Desk"); by default it is the login.
            first = author.display_name
        user = get_user_model()(
            username=author.login[:150],
            email=author.email[:254],
            first_name=first[:150],
            last_name=last[:150],
            is_staff=True,
        )
        user.set_unusable_password()
        user.save()
        if group := Group.objects.filter(name="Author").first():
            user.groups.add(group)
        self.summary.created["authors"] += 1
        return user

    def user_for(self, login):
        if not login:
            raise Unusable("it has no author (dc:creator)")
        if login not in self._users:
            # WXR 1.0 lists no authors: dc:creator is all there is.
            self._import_authors([Author(login=login)])
        return self._users[login]

    def _import_categories(self):
        """Parents before children, whatever order the file has (WordPress writes parents
        first); a parent the file lacks leaves the child at the top."""
        known = WordPressID.known(Kind.CATEGORY, [t.wp_id for t in self._categories if t.wp_id])
        pending = {
            wordpress_slug(t.slug) or slugify(t.name, allow_unicode=True): t
            for t in self._categories
        }
        while pending:
            ready = [
                (slug, term)
                for slug, term in pending.items()
                if not term.parent or wordpress_slug(term.parent) not in pending
            ] or [next(iter(pending.items()))]  # a loop of parents: break it anywhere
            for slug, term in ready:
                del pending[slug]
                self._category_pks[slug] = self._category(slug, term, known)

    def _category(self, slug, term, known):
        if pk := known.get(term.wp_id):
            self.summary.existing["categories"] += 1
            return pk
        category = Category.objects.filter(slug=slug).first()
        if category:
            self.summary.existing["categories"] += 1
        else:
            parent_pk = self._category_pks.get(wordpress_slug(term.parent))
            if term.parent and not parent_pk:
                self.summary.warn(
                    "categories whose parent is not in the file, put at the top",
                    f"{slug} (parent {term.parent})",
                )
            category = Category(
                name=term.name[:200] or slug,
                slug=slug,
                description=term.description,
                parent_id=parent_pk,
            )
            category.save()
            self.summary.created["categories"] += 1
        if term.wp_id:
            WordPressID.remember(Kind.CATEGORY, [(term.wp_id, category.pk)])
        return category.pk

    def _import_tags(self):
        known = WordPressID.known(Kind.TAG, [t.wp_id for t in self._tags if t.wp_id])
        for term in self._tags:
            if pk := known.get(term.wp_id):
                self.summary.existing["tags"] += 1
                self._tag_pks[term.name.lower()] = pk
                continue
            pk = self.tag(term.name, wordpress_slug(term.slug))
            if term.wp_id:
                WordPressID.remember(Kind.TAG, [(term.wp_id, pk)])

    def tag(self, name, slug=""):
        """The tag named `name` (taggit compares case-insensitively here), made if new."""
        name = name.strip()[:100]
        if pk := self._tag_pks.get(name.lower()):
            return pk
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag:
            self.summary.existing["tags"] += 1
        else:
            free = slug and not Tag.objects.filter(slug=slug).exists()
            tag = Tag(name=name, slug=slug if free else "")
            tag.save()  # taggit makes a unique slug when it is empty
            self.summary.created["tags"] += 1
        self._tag_pks[name.lower()] = tag.pk
        return tag.pk

    def category_for(self, item_term):
        slug = wordpress_slug(item_term.slug) or slugify(item_term.name, allow_unicode=True)
        if slug not in self._category_pks:
            # Named on the item but not in the channel (a partial export).
            term = Term("category", None, slug=slug, name=item_term.name)
            self._category_pks[slug] = self._category(slug, term, {})
        return self._category_pks[slug]
