"""The benchmark's floors: a hello-world, TechEmpower's "fortunes", and what a
logged-in member's page costs before its content."""

from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.views.decorators.http import require_safe

from accounts.decorators import member_required

# TechEmpower's fortunes test adds this at request time to prove autoescaping.
EXTRA_FORTUNE = (
    "<script>alert('This should not be displayed in a browser alert box.');</script>"
)
FORTUNE_ROWS = 12


@require_safe
def hello(request: HttpRequest) -> HttpResponse:
    """The floor: routing and the middleware stack, no database, no template."""
    return HttpResponse("Hello, World!", content_type="text/plain")


@require_safe
def fortunes(request: HttpRequest) -> HttpResponse:
    """One query on a small table, one template render with autoescape.

    Django's own content-type table stands in for the fortune table: it exists in
    every install, so the baseline needs no model and no migration of its own.
    """
    rows = list(ContentType.objects.values_list("pk", "model")[:FORTUNE_ROWS])
    rows.append((0, EXTRA_FORTUNE))
    rows.sort(key=lambda row: row[1])
    return HttpResponse(_fortunes_template().render({"fortunes": rows}, request))


@require_safe
@member_required
def member(request: HttpRequest) -> HttpResponse:
    """A member's floor: what every page a member sees costs before it shows
    anything (the middleware, the session row, the member's fresh row with
    profile and permissions), then their name as plain text."""
    return HttpResponse(str(request.user), content_type="text/plain")


@require_safe
@member_required
def member_layout(request: HttpRequest) -> HttpResponse:
    """The member's floor with the site's layout around an empty page (header
    with the account menu, footer): what a member page costs before its content."""
    return render(request, "base.html")


@cache
def _fortunes_template() -> Any:
    text = (Path(__file__).parent / "fortunes.html").read_text()
    return engines["django"].from_string(text)
