"""The Orga-Team's old "write to attendees" messages become mailings to those
going (or going and waiting) of their evening, with their text, sender, count and
time; then the old table goes. Who got each old message was not recorded, so the
old mailings have no per-recipient rows. Groups that could write to attendees
(the Orga-Team) may write to members and read the log.
"""

from django.db import migrations
from django.db.models import Q


def move_messages(apps, schema_editor):
    AttendeeMessage = apps.get_model("events", "AttendeeMessage")
    Mailing = apps.get_model("events", "Mailing")
    for old in AttendeeMessage.objects.order_by("pk").iterator():
        mailing = Mailing.objects.create(
            kind="message",
            segment="going_waiting" if old.include_waiting else "going",
            event_id=old.event_id,
            sender_id=old.sender_id,
            subject=old.subject,
            body=old.body,
            # Plain text then: shown as such (escaped) in the sent list.
            body_html="".join(
                "<p>" + _escape(part).replace("\n", "<br>") + "</p>"
                for part in old.body.split("\n\n")
                if part.strip()
            ),
            idempotency_key=old.idempotency_key,
            recipient_count=old.recipient_count,
            finished_at=old.sent_at,
        )
        # Keep the time it was written.
        Mailing.objects.filter(pk=mailing.pk).update(created_at=old.created_at)


def _escape(text):
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def grant_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(
            config, verbosity=0, using=schema_editor.connection.alias, apps=apps
        )
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    new = Permission.objects.filter(
        Q(codename__in=["add_mailing", "view_mailing", "view_delivery"]),
        content_type__app_label="events",
    )
    for group in Group.objects.filter(
        permissions__codename="add_attendeemessage",
        permissions__content_type__app_label="events",
    ):
        group.permissions.add(*new)


def forget_old_model(apps, schema_editor):
    # Its permissions would stay in the Orga-Team group, naming a model no more.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="events", model="attendeemessage").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0015_mailings"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(move_messages, migrations.RunPython.noop),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="attendeemessage",
            name="attendeemessage_has_subject",
        ),
        migrations.RemoveField(model_name="attendeemessage", name="event"),
        migrations.RemoveField(model_name="attendeemessage", name="sender"),
        migrations.DeleteModel(name="AttendeeMessage"),
        migrations.RunPython(forget_old_model, migrations.RunPython.noop),
    ]
