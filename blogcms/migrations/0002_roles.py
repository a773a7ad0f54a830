"""WordPress's roles as Django groups: Editor, Author and Contributor."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    # Everything about posts, categories, tags and comments, including others' posts.
    "Editor": [
        "posts.add_post",
        "posts.change_post",
        "posts.delete_post",
        "posts.view_post",
        "posts.publish_post",
        "posts.edit_others_posts",
        "posts.add_category",
        "posts.change_category",
        "posts.delete_category",
        "posts.view_category",
        "posts.add_oldslug",
        "posts.change_oldslug",
        "posts.delete_oldslug",
        "posts.view_oldslug",
        "taggit.add_tag",
        "taggit.change_tag",
        "taggit.delete_tag",
        "taggit.view_tag",
        "comments.add_comment",
        "comments.change_comment",
        "comments.delete_comment",
        "comments.view_comment",
    ],
    # Writes and publishes their own posts.
    "Author": [
        "posts.add_post",
        "posts.change_post",
        "posts.delete_post",
        "posts.view_post",
        "posts.publish_post",
        "posts.view_category",
        "taggit.add_tag",
        "taggit.view_tag",
    ],
    # Writes drafts and submits them for review; cannot publish.
    "Contributor": [
        "posts.add_post",
        "posts.change_post",
        "posts.view_post",
        "posts.view_category",
        "taggit.view_tag",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now to assign them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blogcms", "0001_initial"),
        ("posts", "0001_initial"),
        ("comments", "0002_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
