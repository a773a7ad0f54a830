import datetime
import io

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from comments.models import Comment
from media_library.models import MediaItem
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


def image_upload(name="photo.jpg", size=(1600, 1200), fmt="JPEG", color="teal", **options):
    """An uploaded image file as a browser would send it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


class MediaItemFactory(factory.django.DjangoModelFactory):
    """A library image, made the way an upload is (cleaned, resized, stored)."""

    class Meta:
        model = MediaItem

    alt_text = "A teal rectangle"

    @classmethod
    def _create(cls, model_class, *args, upload=None, **kwargs):
        return model_class.create_from_upload(upload or image_upload(), **kwargs)
