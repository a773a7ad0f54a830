"""Choosing a library image in a form: the id, the lookup popup (which also offers "Add
image"), and a thumbnail of the chosen one (WordPress's "Set featured image" box)."""

from django.contrib.admin.widgets import ForeignKeyRawIdWidget


class MediaItemRawIdWidget(ForeignKeyRawIdWidget):
    template_name = "admin/media_library/raw_id_with_preview.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        model = self.rel.model
        # What the field may hold (images: a PDF is no featured image), as its choices.
        items = model._default_manager.complex_filter(self.rel.limit_choices_to)
        try:
            item = items.filter(pk=value).first() if value else None
        except (ValueError, TypeError):  # no id ("abc"): no preview, as Django shows no label
            item = None
        if item:
            context["preview"] = item.img_tag("thumbnail", lazy=False)
        return context
