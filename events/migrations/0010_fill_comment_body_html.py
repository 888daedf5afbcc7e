"""Make the stored HTML of every comment written before it was stored."""

from django.db import migrations

BATCH = 500


def fill(apps, schema_editor):
    from somehub.lib.text import plain_text_to_html

    Comment = apps.get_model("events", "Comment")
    pending = Comment.objects.filter(body_html="").exclude(body="").order_by("pk")
    while batch := list(pending.only("pk", "body")[:BATCH]):
        for comment in batch:
            comment.body_html = plain_text_to_html(comment.body)
        Comment.objects.bulk_update(batch, ["body_html"])


class Migration(migrations.Migration):
    dependencies = [("events", "0009_comment_body_html")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
