"""Choosing a library image in a form: the id, the lookup popup (which also offers "Add
image"), and a thumbnail of the chosen one (WordPress's "Set featured image" box)."""

from django.contrib.admin.widgets import ForeignKeyRawIdWidget


class MediaItemRawIdWidget(ForeignKeyRawIdWidget):
    template_name = "admin/media_library/raw_id_with_preview.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        model = self.rel.model
        if value and (item := model._default_manager.filter(pk=value).first()):
            context["preview"] = item.img_tag("thumbnail", lazy=False)
        return context
