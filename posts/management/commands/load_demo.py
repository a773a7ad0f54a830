"""Load the project's demo content: the seed post and its one pingback. Safe to run again."""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from comments.models import Comment
from posts.models import Category, Post

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "demo"
SEED_SLUG = "ny-rep-serrano-opposes-s-comm-policy"
SEED_TAGS = [
    "Secure Communities",
    "S-Comm",
    "ICE",
    "José E. Serrano",
    "John Morton",
    "deportation",
    "immigration",
    "New York",
]
PINGBACK_TITLE = (
    "More Responses to Secure Communities Officially Becoming a Mandatory Deportation "
    "Program | VivirLatino"
)
PINGBACK_URL = (
    "https://vivirlatino.com/2011/08/19/more-responses-to-secure-communities-officially-"
    "becoming-a-mandatory-deportation-program/"
)


class Command(BaseCommand):
    help = "Load the demo content (the seed post, its category, tags and pingback)."

    @transaction.atomic
    def handle(self, *args, **options):
        if Post.objects.filter(slug=SEED_SLUG).exists():
            self.stdout.write("Demo content already loaded.")
            return
        author, _ = get_user_model().objects.get_or_create(
            username="newsroom", defaults={"first_name": "Newsroom"}
        )
        if author.has_usable_password():
            author.set_unusable_password()  # a byline, not a login
            author.save()
        Category.default()
        blog, _ = Category.objects.get_or_create(slug="blog", defaults={"name": "Blog"})
        post = Post.objects.create(
            title="NY Rep. Serrano Opposes S-Comm Policy",
            slug=SEED_SLUG,
            author=author,
            body=(DEMO_DIR / "seed-post.html").read_text(encoding="utf-8"),
            status=Post.Status.PUBLISHED,
            published_at=datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC),
        )
        post.categories.add(blog)
        post.tags.add(*SEED_TAGS)
        Comment.objects.create(
            post=post,
            type=Comment.Type.PINGBACK,
            status=Comment.Status.APPROVED,
            author_name=PINGBACK_TITLE,
            author_url=PINGBACK_URL,
            content=(
                "[…] Congressman José E. Serrano wrote yesterday to the Director of Immigration "
                "and Customs Enforcement to register his objections […]"
            ),
            created_at=datetime.datetime(2011, 8, 19, 18, 30, tzinfo=datetime.UTC),
        )
        # Written in 2011, not today: the sitemap's lastmod and feeds' updated dates say so.
        Post.objects.filter(pk=post.pk).update(
            modified_at=post.published_at, created_at=post.published_at
        )
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo post at {post.get_absolute_url()}"))
