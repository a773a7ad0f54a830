"""Template helpers every theme can use without {% load %}."""

from django import template
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag
def responses_title(count, title):
    """WordPress's comments title: "No Responses to …", "One Response to …", "N Responses to …"."""
    if count == 0:
        return f"No Responses to {title}"
    if count == 1:
        return f"One Response to {title}"
    return f"{count} Responses to {title}"


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The URL of page `number` of this listing, keeping /page/N/ and ?s= as WordPress does."""
    request = context["request"]
    base = context.get("listing_base_url") or "/"
    url = base if number == 1 else f"{base}page/{number}/"
    if query := request.GET.get("s"):
        url += "?" + urlencode({"s": query})
    return url
