"""The library in WordPress's roles: Editors manage every image (upload_files plus
edit_others_posts), Authors upload (upload_files), Contributors may only pick from it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editor": ["add", "change", "delete", "view"],
    "Author": ["add", "change", "view"],
    "Contributor": ["view"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("media_library")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="media_library",
                codename__in=[f"{action}_mediaitem" for action in actions],
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="media_library")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("media_library", "0001_initial"),
        ("blogcms", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
