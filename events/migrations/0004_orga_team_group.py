"""The Orga-Team group with the permissions organizers need (issue 6).

Frozen here as it stood when written; events.models.orga.orga_team() (run by
`create_organizer` and `seed_demo`) adds what later code needs.
"""

from django.db import migrations
from django.db.models import Q

ORGA_TEAM = "Orga-Team"

PERMISSIONS = [
    ("events", "add_venue"), ("events", "change_venue"), ("events", "view_venue"),
    ("events", "delete_venue"),
    ("events", "add_series"), ("events", "change_series"), ("events", "view_series"),
    ("events", "delete_series"),
    ("events", "add_event"), ("events", "change_event"), ("events", "view_event"),
    ("events", "delete_event"),
    ("events", "change_rsvp"), ("events", "view_rsvp"),
    ("events", "add_recap"), ("events", "change_recap"), ("events", "view_recap"),
    ("events", "delete_recap"),
    ("events", "add_recapphoto"), ("events", "change_recapphoto"),
    ("events", "view_recapphoto"), ("events", "delete_recapphoto"),
    ("events", "change_comment"), ("events", "view_comment"),
    ("events", "delete_comment"),
    ("events", "change_commentreport"), ("events", "view_commentreport"),
    ("events", "add_attendeemessage"), ("events", "view_attendeemessage"),
    ("accounts", "view_user"),
    ("accounts", "change_profile"), ("accounts", "view_profile"),
    ("accounts", "view_hidden_profile"),
    ("accounts", "change_legalpage"), ("accounts", "view_legalpage"),
    ("admin", "view_logentry"),
]


def create_orga_team(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now
    # so that the group can hold them on a fresh database.
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(
            config, verbosity=0, using=schema_editor.connection.alias, apps=apps
        )
        config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = Q(pk__in=[])
    for app_label, codename in PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group, _ = Group.objects.get_or_create(name=ORGA_TEAM)
    group.permissions.add(*Permission.objects.filter(wanted))


def remove_orga_team(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ORGA_TEAM).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_series_recurrence_and_attendee_messages"),
        ("accounts", "0002_legal_pages"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_orga_team, remove_orga_team)]
