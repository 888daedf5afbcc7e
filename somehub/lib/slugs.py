"""Slugs that keep German words readable: "Gespräche" becomes "gespraeche", not
"gesprache" (Django's slugify drops the umlaut's dots and loses the word)."""

from django.utils.text import slugify

GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def german_slugify(text: str) -> str:
    return slugify(text.translate(GERMAN))
