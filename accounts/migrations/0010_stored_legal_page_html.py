"""The legal pages keep their text as sanitised HTML, made when it is saved; the
pages written before are rendered here once."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from somehub.lib.markdown import render_markdown

    LegalPage = apps.get_model("accounts", "LegalPage")
    for page in LegalPage.objects.all():
        page.rendered_body = render_markdown(page.body)
        page.save(update_fields=["rendered_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_profile_notify_orga_tasks"),
        # That migration changes the privacy text: render it after.
        ("events", "0008_privacy_text_for_imported_comments"),
    ]

    operations = [
        migrations.AddField(
            model_name="legalpage",
            name="rendered_body",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
