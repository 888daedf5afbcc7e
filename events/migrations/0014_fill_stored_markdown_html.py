"""Make the stored HTML of every description and Markdown recap written before it
was stored."""

from django.db import migrations

BATCH = 200


def fill(apps, schema_editor):
    from somehub.lib.markdown import render_markdown

    Event = apps.get_model("events", "Event")
    Recap = apps.get_model("events", "Recap")
    for model, source, target, rows in (
        (Event, "description", "rendered_description", Event.objects.all()),
        (Recap, "body", "rendered_body", Recap.objects.filter(body_format="markdown")),
    ):
        pending = rows.filter(**{target: ""}).exclude(**{source: ""}).order_by("pk")
        while batch := list(pending.only("pk", source)[:BATCH]):
            for row in batch:
                setattr(row, target, render_markdown(getattr(row, source)))
            model.objects.bulk_update(batch, [target])


class Migration(migrations.Migration):
    dependencies = [("events", "0013_stored_markdown_html")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
