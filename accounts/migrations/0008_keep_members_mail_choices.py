"""Existing members keep the mails they had; new members choose (all off).

What this assumes, kind by kind, for the members there are when it runs:

- Announcements of new dates: the old box "e-mail me about new dates and changes"
  was ticked in advance for a while, and nothing was ever sent because of it. A
  ticked box on a profile its member never saved after signing up (changed less
  than a minute after it was made) is that default, not a choice: it is turned
  off. Wherever the member saved their profile since, what they saved stays.
- Reminders the day before: every member got them for each evening they said yes
  to, without a switch; they keep getting them (on) until they turn them off.
- Replies to my comments: had its own switch; what is stored stays.
- Messages from the Orga-Team: those going to an evening got the Orga-Team's
  messages without a switch; members keep getting them (on).

Going back keeps "announcements" as the old box and drops the new switches.
"""

from datetime import timedelta

from django.db import migrations
from django.db.models import F

UNTOUCHED = timedelta(minutes=1)


def keep_choices(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    Profile.objects.filter(
        notify_announcements=True, updated_at__lt=F("created_at") + UNTOUCHED
    ).update(notify_announcements=False)
    Profile.objects.update(notify_reminders=True, notify_orga_messages=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_mail_choices"),
    ]

    operations = [
        migrations.RunPython(keep_choices, migrations.RunPython.noop, elidable=True),
    ]
