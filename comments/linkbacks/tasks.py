"""Linkback work that runs in the background worker (django-tasks), never in a request."""

from django_tasks import task


@task()
def verify_webmention(source, target, post_id, ip=None, user_agent=""):
    """Fetch a webmention's source and store, update or remove the response it makes."""
    from .webmention import process

    return process(source, target, post_id, ip, user_agent)
