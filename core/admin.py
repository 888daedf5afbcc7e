"""The admin site: Django's, with bad date filters in any list answered, not a 500.

A date in a list's query string that Python or PostgreSQL cannot hold
(`?action_time__year=99999999999`, `?starts_at__year=9999`, `?created_at__gte=
0001-01-01`: the year ends before the next one begins, or the time zone moves it
before year 1) raises OverflowError or ValueError deep in the date hierarchy or
when the query is compiled, where Django's changelist does not expect it. Every
registered ModelAdmin, ours and those of Django and the libraries, gets the
changelist below, which turns such a filter into "invalid lookup" (Django's
redirect to `?e=1`), like any other bad filter.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DataError
from django.db.models import QuerySet
from django.http import HttpRequest

OUT_OF_RANGE = (OverflowError, ValueError, DataError)


class SafeDatesChangeList(ChangeList):
    def get_queryset(
        self, request: HttpRequest, exclude_parameters: Any = None
    ) -> QuerySet[Any]:
        try:
            queryset = super().get_queryset(request, exclude_parameters)
            # Compiling turns every date into SQL now, not halfway through the page.
            queryset.query.sql_with_params()
        except (EmptyResultSet, FullResultSet):
            pass
        except OUT_OF_RANGE as exc:
            raise IncorrectLookupParameters(exc) from exc
        return queryset

    def get_results(self, request: HttpRequest) -> None:
        try:
            super().get_results(request)
        except OUT_OF_RANGE as exc:  # a date PostgreSQL itself cannot hold
            raise IncorrectLookupParameters(exc) from exc


class SafeDatesMixin:
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SafeDatesChangeList


class OrgaAdminSite(admin.AdminSite):
    def register(
        self, model_or_iterable: Any, admin_class: Any = None, **options: Any
    ) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SafeDatesMixin):
            admin_class = type(
                admin_class.__name__,
                (SafeDatesMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)
