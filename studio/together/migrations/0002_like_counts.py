"""Count the likes songs already have into Generation.like_count (songs 0013)."""

from django.db import migrations
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_likes(apps, schema_editor):
    Generation = apps.get_model("songs", "Generation")
    Like = apps.get_model("together", "Like")
    likes = Like.objects.filter(clip__generation=OuterRef("pk")).order_by()
    counted = likes.values("clip__generation").annotate(n=Count("pk")).values("n")[:1]
    Generation.objects.update(
        like_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    )


class Migration(migrations.Migration):
    dependencies = [("together", "0001_initial"), ("songs", "0013_library_indexes")]

    operations = [migrations.RunPython(count_likes, migrations.RunPython.noop)]
