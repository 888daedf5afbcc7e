"""Dates as people say them, in the active language, in Berlin time."""

from datetime import datetime

from django.utils import timezone
from django.utils.dateformat import format as dateformat
from django.utils.translation import get_language

# Format strings per language (Django's date syntax): "Dienstag, 27. September 2016"
# and "19:00 Uhr"; "Tuesday, 27 September 2016" and "7:00 PM".
FORMATS = {
    "de": {
        "long": "l, j. F Y",
        "day": "l, j. F",
        # N: the German abbreviations with their own dot ("Jan.", "März", "Mai").
        "medium": "D., j. N Y",
        "time": r"H:i \U\h\r",
        "month_year": "F Y",
    },
    "en": {
        "long": "l, j F Y",
        "day": "l, j F",
        "medium": "D, j M Y",
        "time": "g:i A",
        "month_year": "F Y",
    },
}


def _formats() -> dict[str, str]:
    lang = (get_language() or "de")[:2]
    return FORMATS.get(lang, FORMATS["de"])


def format_local(value: datetime, kind: str) -> str:
    return dateformat(timezone.localtime(value), _formats()[kind])
