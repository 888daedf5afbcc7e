"""Project-wide checks: migrations are complete and the system check is clean."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_pending_migrations() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_system_check_is_clean() -> None:
    call_command("check", fail_level="WARNING")
