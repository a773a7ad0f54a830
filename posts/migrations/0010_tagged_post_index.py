from django.db import migrations

# taggit's object_id is an integer and posts' ids are bigints: PostgreSQL joins them on
# object_id::bigint, which taggit's own indexes cannot serve. With this one a tag archive
# walks the newest posts and probes the tag of each (a few index lookups for a page of ten),
# instead of hashing every post that carries a popular tag.
INDEX = "posts_tagged_post_tag"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} "
            "ON taggit_taggeditem (((object_id)::bigint), tag_id)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0009_stored_term_counts"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(add_index, drop_index)]
