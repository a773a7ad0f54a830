"""Forms are read as UTF-8 only: a form POST declaring another character set gets a 400.

HTML forms are submitted in UTF-8 and browsers send no charset with them (HTML, "URL-encoded
form data"; RFC 7578 section 5.1 for multipart). Django refuses a url-encoded body declaring
another charset with BadRequest, but its 400 view re-runs the CSRF check, which reads the body
again and turns the refusal into a 500; an unknown label it ignores, and a multipart body it
decodes in whatever charset is declared. One check before anything reads the body answers all
of these with a 400, for every form endpoint (comments, the admin login, linkbacks).

A body the client stopped sending (it announced more than it sent, then hung up or was cut
off by gunicorn's request budget) is the client's fault too: a 400, not a logged 500.
"""

import webencodings
from django.http import HttpResponseBadRequest, UnreadablePostError

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
NOT_UTF8 = "This form declares a character set other than UTF-8; send it in UTF-8."
UNREADABLE = "The request body could not be read in full; send it again."


class FormCharsetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        label = request.content_params.get("charset")
        if request.method == "POST" and request.content_type in FORM_TYPES and label:
            encoding = webencodings.lookup(label)  # the WHATWG labels: utf8, UTF-8, ...
            if encoding is None or encoding.name != "utf-8":
                return HttpResponseBadRequest(NOT_UTF8, content_type="text/plain; charset=utf-8")
            # Django refuses any spelling but "utf-8" itself (e.g. "utf8").
            request.encoding = "utf-8"
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UnreadablePostError):
            return HttpResponseBadRequest(UNREADABLE, content_type="text/plain; charset=utf-8")
        return None
