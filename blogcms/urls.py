from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from media_library.views import serve as serve_media
from posts.sitemaps import sitemaps

from .views import csp_report, favicon

admin.site.site_header = "blogcms administration"
admin.site.site_title = "blogcms"

urlpatterns = [
    path("admin/", admin.site.urls),
    # For every logged-in user (the admin's own logout only serves staff).
    path("logout/", LogoutView.as_view(), name="logout"),
    # The sitemap index (WordPress 5.5+: /wp-sitemap.xml), and each section's pages at
    # /sitemap-posts.xml?p=2; robots.txt names the index.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps},
        name="sitemap-section",
    ),
    path("csp-report/", csp_report, name="csp-report"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("comments.urls")),
    path("", include("comments.linkbacks.urls")),
    path("", include("federation.urls")),
    # Last: its /<path>/ route (pages, and the bare-slug guess) answers what the others leave.
    path("", include("posts.urls")),
]

if settings.BLOGCMS_SERVE_MEDIA:
    # Uploaded images for `make run`, which has no web server in front; production serves
    # MEDIA_ROOT from its web server or object storage (blogcms.production turns this off).
    # Images only, never sniffed or run as a page (media_library/views.py).
    urlpatterns.append(path("media/<path:path>", serve_media))

handler404 = "blogcms.views.page_not_found"
