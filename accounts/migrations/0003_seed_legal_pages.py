"""Seed the Impressum and the privacy policy in German; the Orga-Team edits them in
the admin (Members → Legal pages). Safe to run again: existing pages stay as they are.
"""

from django.db import migrations

IMPRINT_TITLE = "Impressum"
IMPRINT_BODY = """\
## Angaben gemäß § 5 DDG

[Vor- und Nachname der Organisatorin oder des Organisators]
[Straße und Hausnummer]
[Postleitzahl] Hannover

## Kontakt

E-Mail: [E-Mail-Adresse]

## Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV

[Vor- und Nachname], Anschrift wie oben

## Über den Stammtisch

Der #SoMe Stammtisch Hannover ist ein privat organisiertes, nicht kommerzielles \
Treffen für alle, die beruflich mit Social Media zu tun haben. Es gibt ihn seit \
September 2016.

*Hinweis für das Orga-Team: Ersetze die Angaben in eckigen Klammern im Admin unter \
„Mitglieder → Rechtliche Seiten“ durch eure echten Daten.*
"""

PRIVACY_TITLE = "Datenschutzerklärung"
PRIVACY_BODY = """\
Hier steht, welche Daten diese Website über dich speichert, wofür, und was du \
selbst damit machen kannst. Kurz gesagt: nur das, was wir für den Stammtisch \
brauchen, und nichts für Werbung oder Statistik.

## Wer ist verantwortlich?

Verantwortlich ist die Person, die im [Impressum](/impressum/) genannt ist.

## Welche Daten wir speichern

- **Dein Konto:** deine E-Mail-Adresse und, falls du eins festlegst, dein Passwort \
(nur als sicherer Hash, nie im Klartext).
- **Dein Profil:** alles, was du freiwillig einträgst: Name, Foto, Berufsfeld, \
Organisation, Rolle, ein paar Sätze über dich, deine aktuelle \
Social-Media-Herausforderung, Links, deine Sprache für E-Mails und deine \
E-Mail-Einstellungen.
- **Zusagen** zu Terminen, die Warteliste und den Check-in am Abend.
- **Kommentare**, die du zu Rückblicken schreibst.
- **Fotos:** Beim Hochladen entfernen wir alle versteckten Metadaten wie den \
GPS-Standort oder Kameradaten und speichern das Bild unter einem zufälligen Namen.

## Wofür und auf welcher Grundlage

Wir nutzen die Daten, um den Stammtisch zu organisieren: Termine, Zusagen, \
Erinnerungen, Teilnehmer:innenlisten und Rückblicke (Art. 6 Abs. 1 lit. b DSGVO). \
Freiwillige Profilangaben verarbeiten wir mit deiner Einwilligung \
(Art. 6 Abs. 1 lit. a DSGVO); du kannst sie jederzeit ändern oder löschen.

## Wer deine Daten sieht

Du legst in deinem Profil fest, wer es sehen darf: alle, nur angemeldete \
Mitglieder oder nur das Orga-Team. Ebenso entscheidest du, ob du auf \
Teilnehmer:innenlisten erscheinst. Das Orga-Team sieht die Zusagen zu seinen \
Terminen, um den Abend zu planen.

## Cookies: nur die notwendigen

Wir setzen ausschließlich technisch notwendige Cookies:

- `sessionid`: hält dich angemeldet (Sitzung),
- `csrftoken`: schützt Formulare vor Missbrauch (CSRF-Schutz),
- `django_language`: merkt sich die Sprache, die du gewählt hast.

Es gibt keine Tracking-, Werbe- oder Statistik-Cookies. Deshalb braucht diese \
Website kein Cookie-Banner (§ 25 Abs. 2 Nr. 2 TDDDG).

## Keine Drittanbieter

Diese Website lädt nichts von fremden Servern: keine Schriftarten, keine CDNs, \
keine Tracker, keine eingebetteten Inhalte von sozialen Netzwerken. Dein Browser \
spricht nur mit unserem Server. Links, etwa zu OpenStreetMap oder zu Profilen auf \
anderen Plattformen, öffnest du selbst; erst dann gelten die Regeln der jeweiligen \
Anbieter.

## E-Mails

Wir schicken dir E-Mails, um deine Adresse zu bestätigen, mit Anmeldecodes, \
Bestätigungen deiner Zusagen und Erinnerungen. Nachrichten über neue Termine und \
Antworten auf deine Kommentare kannst du in deinem Profil abbestellen.

## Schutz vor Missbrauch und Server-Protokolle

Um Konten vor dem Durchprobieren von Passwörtern zu schützen, zählen wir \
fehlgeschlagene Anmeldeversuche für wenige Minuten. Der Webserver protokolliert \
technisch notwendige Angaben (IP-Adresse, Zeitpunkt, aufgerufene Seite) nur so \
lange, wie es für einen sicheren Betrieb nötig ist.

## Wie lange wir speichern

Solange du ein Konto hast. Wenn du dein Konto löschst, entfernen wir sofort dein \
Konto, dein Profil, dein Foto und deine Zusagen. Deine Kommentare bleiben ohne \
deinen Namen als „gelöschtes Mitglied“ stehen, damit die Gespräche verständlich \
bleiben.

## Deine Rechte

Du hast das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der \
Verarbeitung, Datenübertragbarkeit und Widerspruch (Art. 15 bis 21 DSGVO). Vieles \
kannst du selbst erledigen: Unter [Mein Konto](/me/account/) lädst du alle deine \
Daten als Datei herunter oder löschst dein Konto. Außerdem kannst du dich bei einer \
Datenschutz-Aufsichtsbehörde beschweren, in Niedersachsen bei der \
Landesbeauftragten für den Datenschutz Niedersachsen.
"""


def seed_legal_pages(apps, schema_editor):
    LegalPage = apps.get_model("accounts", "LegalPage")
    for kind, title, body in [
        ("imprint", IMPRINT_TITLE, IMPRINT_BODY),
        ("privacy", PRIVACY_TITLE, PRIVACY_BODY),
    ]:
        LegalPage.objects.get_or_create(kind=kind, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_legal_pages")]

    operations = [migrations.RunPython(seed_legal_pages, migrations.RunPython.noop)]
