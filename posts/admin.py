"""Writing and publishing, with WordPress's roles: Editors edit everything, Authors publish
their own posts, Contributors write drafts and submit them for review."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from js_asset import Media

from blogcms.bigtables import BigTableAdmin
from comments.linkbacks.admin import OutgoingLinkbacksMixin, resend_post_linkbacks
from federation.admin import FediverseDeliveriesMixin
from media_library.widgets import MediaItemRawIdWidget
from revisions.admin import RevisionsAdminMixin

from .bulkedit import BulkEditAdminMixin
from .models import Category, OldSlug, Page, Post, can_edit_others, can_publish
from .preview import PreviewAdminMixin
from .quickdraft import QuickDraftAdminMixin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "slug", "post_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_posts=Count("posts"))

    @admin.display(description="posts", ordering="number_of_posts")
    def post_count(self, obj):
        return obj.number_of_posts


class OldSlugInline(admin.TabularInline):
    model = OldSlug
    extra = 0
    verbose_name_plural = "Old slugs (still redirect to this post)"


class ScheduledFilter(admin.SimpleListFilter):
    """WordPress's "Scheduled" view: published posts whose date is still to come."""

    title = "schedule"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("scheduled", "Scheduled"), ("live", "Live now")]

    def queryset(self, request, queryset):
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "live":
            return queryset.published()
        return queryset


@admin.register(Post)
class PostAdmin(
    RevisionsAdminMixin,  # revisions, compare, restore, autosave (revisions/admin.py)
    PreviewAdminMixin,  # Preview of unsaved changes (posts/preview.py)
    QuickDraftAdminMixin,  # the dashboard's Quick Draft (posts/quickdraft.py)
    BulkEditAdminMixin,  # Quick edit and Bulk edit from the list (posts/bulkedit.py)
    FediverseDeliveriesMixin,  # deliveries and likes/boosts (federation/admin.py)
    OutgoingLinkbacksMixin,
    BigTableAdmin,  # estimated totals and facets on request past 20,000 rows
):
    list_display = ["title", "author", "state", "category_list", "published_at", "sticky"]
    list_filter = ["status", ScheduledFilter, "categories", "author", "published_at", "sticky"]
    date_hierarchy = "published_at"
    search_fields = ["title", "body", "excerpt"]
    prepopulated_fields = {"slug": ["title"]}
    # WordPress's Categories box: a checkbox per category (Django's two-list filter widget
    # gives its search icons an aria-label that axe rejects).
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    raw_id_fields = ["featured_image"]  # the library's popup: pick or upload
    inlines = [OldSlugInline]
    actions = ["publish", "unpublish", "bulk_edit", resend_post_linkbacks]
    view_on_site = True  # "View on site" is the preview: staff see drafts at the permalink
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "excerpt"]}),
        ("Featured image", {"fields": ["featured_image"]}),
        ("Publish", {"fields": ["status", "published_at", "author", "sticky"]}),
        ("Categories and tags", {"fields": ["categories", "tags"]}),
        ("Discussion", {"fields": ["comments_open", "pings_open"]}),
    ]

    def get_queryset(self, request):
        qs = self.entries(super().get_queryset(request))
        if can_edit_others(request.user):
            return qs
        return qs.filter(author=request.user)

    def entries(self, queryset):
        """Posts only: pages have their own list (PageAdmin)."""
        return queryset.posts().select_related("author").prefetch_related("categories")

    @admin.display(description="status", ordering="status")
    def state(self, obj):
        return "Scheduled" if obj.is_scheduled else obj.get_status_display()

    @admin.display(description="categories")
    def category_list(self, obj):
        return ", ".join(c.name for c in obj.categories.all())

    def render_change_form(self, request, context, *args, **kwargs):
        # The editor's import map is an inline <script>; our CSP allows only 'self' and the
        # request's nonce, so the form's media carries the nonce (django-csp, js_asset).
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, *args, **kwargs)

    def get_changeform_initial_data(self, request):
        from blogcms.models import SiteSettings

        site = SiteSettings.load()
        return {
            "author": request.user.pk,
            "comments_open": site.default_comment_status,
            "pings_open": site.default_ping_status,
            **super().get_changeform_initial_data(request),
        }

    def get_readonly_fields(self, request, obj=None):
        own = [] if can_edit_others(request.user) else ["author"]
        return [*super().get_readonly_fields(request, obj), *own]  # + the linkbacks table

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "featured_image":
            kwargs["widget"] = MediaItemRawIdWidget(db_field.remote_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not can_publish(request.user):
            kwargs["choices"] = [
                (Post.Status.DRAFT, Post.Status.DRAFT.label),
                (Post.Status.PENDING, Post.Status.PENDING.label),
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not obj.author_id:
            obj.author = request.user
        if obj.status in (Post.Status.PUBLISHED, Post.Status.PRIVATE) and not can_publish(
            request.user
        ):
            obj.status = Post.Status.PENDING
        super().save_model(request, obj, form, change)
        if obj.is_scheduled:
            when = date_format(timezone.localtime(obj.published_at), "DATETIME_FORMAT")
            self.message_user(request, f"“{obj}” is scheduled for {when}.", messages.INFO)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not form.instance.categories.exists():
            form.instance.categories.add(Category.default())

    @admin.action(description="Publish selected posts", permissions=["publish"])
    def publish(self, request, queryset):
        count = 0
        # One save per post, so what follows publication (pingbacks) runs for each.
        for post in queryset.exclude(status=Post.Status.PUBLISHED):
            post.status = Post.Status.PUBLISHED
            post.save()
            count += 1
        self.message_user(request, f"{count} post(s) published.", messages.SUCCESS)

    @admin.action(description="Move selected posts to draft", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for post in queryset.filter(status=Post.Status.PUBLISHED):
            post.status = Post.Status.DRAFT
            post.save()
            count += 1
        self.message_user(request, f"{count} post(s) moved to draft.", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        """Only those who may publish edit what is public: a Contributor's published post
        is theirs to read, not to take down (WordPress: edit_published_posts)."""
        unpublished = (Post.Status.DRAFT, Post.Status.PENDING)
        if obj is not None and obj.status not in unpublished and not can_publish(request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)


class OldPathForm(forms.ModelForm):
    """A page's old address is its whole path ("about/team"), kept without end slashes."""

    class Meta:
        model = OldSlug
        fields = ["slug"]

    def clean_slug(self):
        from .models import page_path

        return page_path(self.cleaned_data["slug"])


class OldPathInline(OldSlugInline):
    form = OldPathForm
    verbose_name_plural = "Old addresses (still redirect to this page)"


@admin.register(Page)
class PageAdmin(PostAdmin):
    """Pages (About, Contact): the same roles, publishing and discussion settings as posts;
    a parent and an order instead of categories and tags; the site navigation chosen here."""

    list_display = ["title", "address", "author", "state", "show_in_menu", "menu_order"]
    list_editable = ["show_in_menu", "menu_order"]
    list_filter = ["status", "show_in_menu", "author"]
    date_hierarchy = None
    ordering = ["path"]
    filter_horizontal = []
    inlines = [OldPathInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body"]}),
        ("Featured image", {"fields": ["featured_image"]}),
        ("Publish", {"fields": ["status", "published_at", "author"]}),
        ("Page attributes", {"fields": ["parent", "menu_order", "show_in_menu"]}),
        ("Discussion", {"fields": ["comments_open", "pings_open"]}),
    ]

    def entries(self, queryset):
        return queryset.select_related("author")

    def get_changeform_initial_data(self, request):
        # New pages take no comments or pings until staff open them (WordPress:
        # get_default_comment_status("page") is "closed").
        initial = super().get_changeform_initial_data(request)
        return {**initial, "comments_open": False, "pings_open": False}

    @admin.display(description="address", ordering="path")
    def address(self, obj):
        return obj.get_absolute_url()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent":
            # Pages only (the field's limit_choices_to), by address: two may share a title.
            field.queryset = field.queryset.order_by("path")
            field.label_from_instance = lambda page: f"/{page.path}/ ({page.title})"
        return field

    def save_related(self, request, form, formsets, change):
        # No default category: pages have none (PostAdmin adds "Uncategorized").
        admin.ModelAdmin.save_related(self, request, form, formsets, change)
