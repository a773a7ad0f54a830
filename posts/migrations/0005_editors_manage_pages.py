"""Editors manage pages, as WordPress's Editor role has edit_pages, publish_pages and
edit_others_pages; Authors and Contributors do not (they have no page capability)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PAGE_PERMISSIONS = ["add_page", "change_page", "delete_page", "view_page"]


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now to assign them.
    app_config = apps.get_app_config("posts")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor = Group.objects.filter(name="Editor").first()
    if editor is not None:
        editor.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="posts", codename__in=PAGE_PERMISSIONS
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Editor"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="posts", codename__in=PAGE_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0004_pages"),
        ("blogcms", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
