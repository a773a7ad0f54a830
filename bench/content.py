"""The benchmark's content, on top of `load_demo`: the seed post with 50 approved responses
(comments and pingbacks, some threaded) and 30 more posts across categories and tags.

Run by bench/run.py against its throw-away database (DJANGO_SETTINGS_MODULE and
DATABASE_URL come from the environment it sets).
"""

import datetime
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = 50  # on the seed post, its demo pingback included
MORE_POSTS = 30
SEED_SLUG = "ny-rep-serrano-opposes-s-comm-policy"

COMMENT_TEXTS = [
    "Thank you for posting the full letter. It is good to see a member of Congress ask "
    "these questions in writing.\n\nI hope ICE answers each of them.",
    "The <em>opt-out</em> confusion was the heart of it. Counties were told one thing and "
    "then another. See https://example.org/timeline for the dates.",
    "I <strong>agree</strong>: the program's stated aims and its results do not match.",
    "Does anyone know whether the other New York representatives signed on?",
    "Local police should not be doing immigration enforcement; it breaks trust with "
    "the communities they serve.",
]


def build():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blogcms.settings")
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from comments.models import Comment
    from posts.models import Category, Post

    with transaction.atomic():
        seed = Post.objects.get(slug=SEED_SLUG)
        start = seed.published_at + datetime.timedelta(hours=5)
        threads = []
        for n in range(RESPONSES - seed.responses.count()):
            when = start + datetime.timedelta(minutes=17 * n)
            if n % 6 == 5:
                Comment.objects.create(
                    post=seed,
                    type=Comment.Type.PINGBACK,
                    status=Comment.Status.APPROVED,
                    author_name=f"Another look at Secure Communities, part {n} | Some Blog",
                    author_url=f"https://blog{n}.example.net/2011/08/s-comm-{n}/",
                    content="[…] Representative Serrano wrote to the Director of ICE […]",
                    created_at=when,
                )
                continue
            # Two comments in three answer the one before, so threads nest three levels deep.
            parent = threads[-1] if threads and n % 3 else None
            comment = Comment.objects.create(
                post=seed,
                parent=parent,
                status=Comment.Status.APPROVED,
                author_name=f"Reader {n}",
                author_email=f"reader{n}@example.com",
                author_url=f"https://reader{n}.example.com/" if n % 2 else "",
                content=COMMENT_TEXTS[n % len(COMMENT_TEXTS)],
                created_at=when,
            )
            threads.append(comment)

        author = get_user_model().objects.get(username="newsroom")
        parent_category, _ = Category.objects.get_or_create(slug="news", defaults={"name": "News"})
        categories = [parent_category] + [
            Category.objects.get_or_create(
                slug=f"topic-{i}", defaults={"name": f"Topic {i}", "parent": parent_category}
            )[0]
            for i in range(4)
        ]
        paragraph = (
            "<p>Immigration enforcement programs were changed again this month, and the "
            "counties that tried to opt out found that they could not. This post follows "
            "the letters, the hearings and the answers that came back.</p>"
        )
        for i in range(MORE_POSTS):
            post = Post.objects.create(
                title=f"Following up on the program, part {i + 1}",
                slug=f"following-up-part-{i + 1}",
                author=author,
                body=paragraph * 6,
                status=Post.Status.PUBLISHED,
                published_at=seed.published_at + datetime.timedelta(days=i + 1),
            )
            post.categories.add(categories[i % len(categories)])
            post.tags.add("S-Comm", "immigration", f"part {i % 5}")
            for j in range(i % 4):
                Comment.objects.create(
                    post=post,
                    status=Comment.Status.APPROVED,
                    author_name=f"Follower {j}",
                    author_email=f"follower{j}@example.com",
                    content=COMMENT_TEXTS[j],
                )
    print(f"seeded: {seed.responses.count()} responses on the seed post, {MORE_POSTS} more posts")


if __name__ == "__main__":
    build()
