"""An address holding a NUL byte is bad input: a 400 before anything looks it up.

No page, tag, author or search term holds a NUL, and PostgreSQL refuses one in a query
(ValueError: "A string literal cannot contain NUL"), so a decoded path or query string
with one would otherwise reach a view's query as a 500 on production. Form fields refuse
it themselves (Django's CharField has ProhibitNullCharactersValidator).
"""

from urllib.parse import unquote

from django.http import HttpResponseBadRequest

MESSAGE = "This address holds a NUL character; no page here has one."


def holds_nul(request):
    return "\x00" in request.path_info or "\x00" in unquote(request.META.get("QUERY_STRING", ""))


class NulByteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if holds_nul(request):
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
