from django.db import migrations

# This migration used to create the reconciler's django-q2 schedule. The schedule is now
# ensured in code after every migrate (studio/songs/pipeline/schedule.py), so it stays right
# even when the schedule row is deleted or edited by hand; the step is kept for the history.


class Migration(migrations.Migration):
    dependencies = [("songs", "0001_initial"), ("django_q", "0018_task_success_index")]
    operations: list = []
