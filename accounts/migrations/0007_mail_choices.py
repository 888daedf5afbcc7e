from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_usage_counter_and_one_line_names"),
    ]

    operations = [
        # "New dates and changes" becomes "new dates": changes of an evening one is
        # going to are always sent now.
        migrations.RenameField(
            model_name="profile",
            old_name="notify_event_updates",
            new_name="notify_announcements",
        ),
        migrations.AlterField(
            model_name="profile",
            name="notify_announcements",
            field=models.BooleanField(
                default=False, verbose_name="announcements of new dates"
            ),
        ),
        migrations.AddField(
            model_name="profile",
            name="notify_orga_messages",
            field=models.BooleanField(
                default=False, verbose_name="messages from the Orga-Team"
            ),
        ),
        migrations.AddField(
            model_name="profile",
            name="notify_reminders",
            field=models.BooleanField(
                default=False, verbose_name="reminders the day before"
            ),
        ),
        migrations.AlterField(
            model_name="profile",
            name="notify_replies",
            field=models.BooleanField(
                default=False, verbose_name="replies to my comments"
            ),
        ),
    ]
