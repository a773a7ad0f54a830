from django.apps import AppConfig, apps


class BlogcmsConfig(AppConfig):
    name = "blogcms"
    verbose_name = "Site"

    def ready(self):
        from django.contrib.auth import get_user_model

        from . import checks  # noqa: F401
        from .cache import watch, watch_fields

        post = apps.get_model("posts", "Post")
        watch(
            post,
            # A proxy model's saves are sent as its own (Page), not as Post's.
            apps.get_model("posts", "Page"),
            apps.get_model("posts", "Category"),
            apps.get_model("comments", "Comment"),
            apps.get_model("taggit", "Tag"),
            apps.get_model("blogcms", "SiteSettings"),
            apps.get_model("media_library", "MediaItem"),  # alt text, caption, files
            apps.get_model("profiles", "Profile"),  # an author's display name
            relations=[post.categories.through, post.tags.through],
        )
        # An author's name shows on their posts; their logins (last_login) do not.
        watch_fields(get_user_model(), "first_name", "last_name")
