"""Pages of a list: one way for every paginated view."""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.functional import SimpleLazyObject


def paginate(request: HttpRequest, items: Any, per_page: int) -> Page:
    """One page of items; a page number that does not exist is a 404."""
    try:
        return Paginator(items, per_page).page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404("No such page.") from exc


def plain_query(request: HttpRequest, names: Iterable[str] = ("page",)) -> bool:
    """Whether the query string names nothing but `names`: page links repeat the
    query string, so only a plain one may be kept for others."""
    return set(request.GET) <= set(names)


class LazyRows:
    """Rows for a Paginator when their number is known (e.g. remembered): the
    query is built and run only when the page's rows are shown, not when they come
    from a cached fragment."""

    ordered = True

    def __init__(self, rows: Callable[[], QuerySet[Any]], count: int) -> None:
        self.rows = rows
        self.total = count

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: slice) -> Any:
        return SimpleLazyObject(lambda: list(self.rows()[index]))
