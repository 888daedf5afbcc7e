"""Pages of a list: one way for every paginated view."""

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest


def paginate(request: HttpRequest, items: Any, per_page: int) -> Page:
    """One page of items; a page number that does not exist is a 404."""
    try:
        return Paginator(items, per_page).page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404("No such page.") from exc
