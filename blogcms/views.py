from django.template.response import TemplateResponse


def page_not_found(request, exception):
    """The active theme's 404 page."""
    response = TemplateResponse(request, "404.html", {"exception": exception}, status=404)
    return response.render()
