"""Rate limits on what members write: "at most 5 comments in 10 minutes".

Each use is counted in the database (`UsageCounter`), with one atomic
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` inside the transaction of the write
it guards. So the limit

- holds exactly under parallel requests, across processes and servers: the counter
  row is locked until the write commits, and the next request counts on from there;
- counts only writes that happened: a refused or failed write rolls its use back;
- stays correct when the cache (Redis) is down, because it does not use the cache.

It costs one small query per member write, which are rare next to page views.
The window starts with the first use and lasts `window` (no burst at a clock edge).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise

from accounts.models import UsageCounter

if TYPE_CHECKING:
    from accounts.models import User

# Counters whose window ended this long ago are deleted when a new window starts.
PRUNE_AFTER = timedelta(days=1)


class RateLimited(Exception):
    """A limit is used up; `message` tells the member, `retry_after` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """At most `count` uses of `kind` per member (or per `subject`) in `window`.

    `message` may use %(count)s and %(minutes)s. Holders of `exempt_permission`
    (the Orga-Team, for what they do in bulk) are not counted.
    """

    kind: str
    count: int
    window: timedelta
    message: str | Promise
    exempt_permission: str = ""

    def spend(self, member: "User | None" = None, subject: str = "") -> None:
        """Count one use; raise RateLimited when the limit is already used up.

        Call it inside the transaction of the write it guards.
        """
        if member is not None and self.is_exempt(member):
            return
        uses, window_ends_at = count_use(self.key(member, subject), self.window)
        if uses > self.count:
            retry_after = max(1, int((window_ends_at - timezone.now()).total_seconds()))
            raise RateLimited(self.describe(), retry_after)

    @contextmanager
    def use(self, member: "User | None" = None, subject: str = "") -> Iterator[None]:
        """`with LIMIT.use(member): write()`: the write and its count, atomically."""
        with transaction.atomic():
            self.spend(member, subject)
            yield

    def is_exempt(self, member: "User") -> bool:
        return bool(self.exempt_permission) and member.has_perm(self.exempt_permission)

    def describe(self) -> str:
        minutes = int(self.window.total_seconds() // 60)
        return str(self.message) % {"count": self.count, "minutes": minutes}

    def reset(self, member: "User | None" = None, subject: str = "") -> None:
        """Start afresh (e.g. a new code was sent)."""
        UsageCounter.objects.filter(key=self.key(member, subject)).delete()

    def key(self, member: "User | None", subject: str) -> str:
        owner = member.pk if member is not None else ""
        return f"{self.kind}:{owner}:{subject}"


def count_use(key: str, window: timedelta) -> tuple[int, datetime]:
    """Add one use to the counter `key`; returns the uses in its current window
    (this one included) and when that window ends. One atomic statement."""
    now = timezone.now()
    table = connection.ops.quote_name(UsageCounter._meta.db_table)
    ops = connection.ops
    sql = f"""
        INSERT INTO {table} ("key", "uses", "window_ends_at") VALUES (%s, 1, %s)
        ON CONFLICT ("key") DO UPDATE SET
            "uses" = CASE WHEN {table}."window_ends_at" <= %s
                     THEN 1 ELSE {table}."uses" + 1 END,
            "window_ends_at" = CASE WHEN {table}."window_ends_at" <= %s
                     THEN EXCLUDED."window_ends_at" ELSE {table}."window_ends_at" END
        RETURNING "uses", "window_ends_at"
    """  # noqa: S608 - the table name comes from the model, values are parameters
    params = [
        key,
        ops.adapt_datetimefield_value(now + window),
        ops.adapt_datetimefield_value(now),
        ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        uses, ends = cursor.fetchone()
    if uses == 1:
        # A new window: a good moment to forget counters nobody uses any more, once
        # this transaction holds no row locks (deleting under them could deadlock).
        transaction.on_commit(partial(_prune, now - PRUNE_AFTER), robust=True)
    ends = UsageCounter._meta.get_field("window_ends_at").to_python(ends)
    if timezone.is_naive(ends):
        ends = timezone.make_aware(ends, UTC)
    return uses, ends


def _prune(before: datetime) -> None:
    UsageCounter.objects.filter(window_ends_at__lt=before).delete()
