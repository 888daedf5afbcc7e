"""Query pieces that more than one app uses."""

from typing import Any

from django.db import models
from django.db.models import Count, Subquery


def count_per_row(rows: models.QuerySet[Any], per: str) -> Subquery:
    """How many of `rows` belong to each row of the outer query, for annotations:
    `rows` is filtered by an OuterRef on its foreign key `per`. One correlated
    subquery, not a join with GROUP BY, so that the outer query still counts and
    slices as plain rows. NULL where there are none: wrap it in Coalesce."""
    return Subquery(
        rows.order_by().values(per).annotate(n=Count("pk")).values("n")[:1],
        output_field=models.IntegerField(),
    )
