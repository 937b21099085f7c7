from django.db import migrations, models


def fill(apps, schema_editor):
    """Existing songs become searchable (the same text as studio.songs.search.text_for)."""
    Generation = apps.get_model("songs", "Generation")
    Clip = apps.get_model("songs", "Clip")
    for generation in Generation.objects.only("pk", "prompt").iterator():
        parts = [generation.prompt]
        for title, lyrics in Clip.objects.filter(generation_id=generation.pk).values_list(
            "title", "lyrics"
        ):
            parts += [title, lyrics]
        text = "\n".join(part for part in parts if part).lower()
        Generation.objects.filter(pk=generation.pk).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [("songs", "0004_library_indexes")]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
