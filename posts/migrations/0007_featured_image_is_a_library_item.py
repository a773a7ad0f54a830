"""The post's own featured-image fields go; the library item takes their name. Apart from
0004 (which moves the data), as PostgreSQL will not alter a table with pending trigger
events in the transaction that wrote to it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("posts", "0006_featured_image_into_media_library")]

    operations = [
        migrations.RemoveField(model_name="post", name="featured_image"),
        migrations.RemoveField(model_name="post", name="featured_image_alt"),
        migrations.RemoveField(model_name="post", name="featured_image_height"),
        migrations.RemoveField(model_name="post", name="featured_image_width"),
        migrations.RenameField(
            model_name="post", old_name="featured_media", new_name="featured_image"
        ),
    ]
