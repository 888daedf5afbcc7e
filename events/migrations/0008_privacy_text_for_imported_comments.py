"""The privacy page says what is kept of comments imported from the old blog.

Only a page that still has the seeded wording is changed; one the Orga-Team has
rewritten is left alone (the README says what to add by hand).
"""

from django.db import migrations

SEEDED = "- **Kommentare**, die du zu Rückblicken schreibst.\n"
IMPORTED = """\
- **Kommentare aus dem alten Blog:** Rückblicke und Kommentare von früher haben \
wir von unserem alten WordPress-Blog übernommen. Bei diesen Kommentaren speichern \
wir den Namen, den du damals angegeben hast, und die E-Mail-Adresse, die du dabei \
eingetragen hast. Die Adresse zeigen wir niemandem, auch nicht dem Orga-Team; sie \
dient nur dazu, dass du die Kommentare übernehmen kannst: Hat dein Konto dieselbe \
bestätigte Adresse, findest du sie unter „Mein Konto“. IP-Adressen aus dem alten \
Blog haben wir nicht übernommen. Grundlage ist unser berechtigtes Interesse, die \
Geschichte des Stammtischs lesbar zu halten (Art. 6 Abs. 1 lit. f DSGVO).
"""
KEEPING = "bleiben.\n\n## Deine Rechte"
KEEPING_NEW = """\
bleiben.

Übernimmst du deine Kommentare aus dem alten Blog, löschen wir die dort gespeicherte \
Adresse. Löschst du dein Konto, entfernen wir deine Adresse auch bei alten \
Kommentaren, die du nicht übernommen hast. Möchtest du, dass wir einen alten \
Kommentar ganz entfernen, schreib uns (siehe [Impressum](/impressum/)).

## Deine Rechte"""


def add_imported_comments(apps, schema_editor):
    LegalPage = apps.get_model("accounts", "LegalPage")
    page = LegalPage.objects.filter(kind="privacy").first()
    if page is None or SEEDED not in page.body or IMPORTED in page.body:
        return
    page.body = page.body.replace(SEEDED, SEEDED + IMPORTED).replace(
        KEEPING, KEEPING_NEW
    )
    page.save(update_fields=["body", "updated_at"])


def remove_imported_comments(apps, schema_editor):
    LegalPage = apps.get_model("accounts", "LegalPage")
    page = LegalPage.objects.filter(kind="privacy").first()
    if page is not None and IMPORTED in page.body:
        page.body = page.body.replace(IMPORTED, "").replace(KEEPING_NEW, KEEPING)
        page.save(update_fields=["body", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_seed_legal_pages"),
        ("events", "0007_imports"),
    ]

    operations = [
        migrations.RunPython(add_imported_comments, remove_imported_comments),
    ]
