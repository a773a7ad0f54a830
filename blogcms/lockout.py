"""The answer to a locked-out login (django-axes calls it: AXES_LOCKOUT_CALLABLE)."""

from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone

MINUTE = timedelta(minutes=1)


def lockout_response(request, original_response=None, credentials=None):
    """The admin's page saying that logging in is locked and until when, with status 429
    and Retry-After (RFC 6585 section 4): the lock lifts a cool-off after the last failure."""
    cool_off = get_cool_off(request)
    context = {**admin.site.each_context(request), "title": "Too many failed login attempts"}
    if cool_off:
        started = getattr(request, "axes_attempt_time", None) or timezone.now()
        until = started + cool_off
        # Shown to the minute: round up, so "after 12:21" is never early.
        context["until"] = until + (datetime.min - until.replace(tzinfo=None)) % MINUTE
    response = TemplateResponse(
        request, "admin/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response.render()
