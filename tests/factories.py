import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from comments.models import Comment
from posts.models import Category, Page, Post


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Post number {n}")
    slug = factory.Sequence(lambda n: f"post-number-{n}")
    author = factory.SubFactory(UserFactory)
    body = "<p>Some words about the matter at hand.</p>"
    status = Post.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create:
            self.categories.add(*(extracted or [Category.default()]))

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class PageFactory(factory.django.DjangoModelFactory):
    """A published page (About), at the top level unless given a parent."""

    class Meta:
        model = Page

    title = factory.Sequence(lambda n: f"Page number {n}")
    slug = factory.Sequence(lambda n: f"page-number-{n}")
    author = factory.SubFactory(UserFactory)
    body = "<p>Who we are and what we do.</p>"
    status = Post.Status.PUBLISHED
    comments_open = True  # new pages are closed (as in WordPress); these tests open them
    pings_open = True
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    author_email = factory.Sequence(lambda n: f"reader{n}@example.com")
    content = "I agree with this."
    status = Comment.Status.APPROVED
