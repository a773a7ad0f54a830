import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blogcms.settings")

from blogcms.pagecache import PageCacheWSGI  # noqa: E402  (needs the settings module set)

# Page cache hits are answered before Django's request handling (blogcms.pagecache).
application = PageCacheWSGI(get_wsgi_application())
