"""Store each category's full slug path, so links to nested categories need no queries."""

from django.db import migrations, models


def fill_paths(apps, schema_editor):
    Category = apps.get_model("posts", "Category")
    categories = {c.pk: c for c in Category.objects.all()}

    def path_of(category, seen=()):
        parent = categories.get(category.parent_id)
        if parent is None or parent.pk in seen:
            return category.slug
        return f"{path_of(parent, (*seen, category.pk))}/{category.slug}"

    for category in categories.values():
        category.path = path_of(category)
        category.save(update_fields=["path"])


class Migration(migrations.Migration):
    dependencies = [("posts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="path",
            field=models.CharField(default="", editable=False, max_length=1000),
            preserve_default=False,
        ),
        migrations.RunPython(fill_paths, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="category",
            name="path",
            field=models.CharField(editable=False, max_length=1000, unique=True),
        ),
        migrations.AlterModelOptions(
            name="category",
            options={"ordering": ["path"], "verbose_name_plural": "categories"},
        ),
    ]
