#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "somehub.settings")
    # A developer's checkout has no secret key: run management commands in
    # development mode there. A server sets DJANGO_SECRET_KEY and stays in
    # production mode; gunicorn (wsgi.py) never takes this shortcut.
    if "DJANGO_SECRET_KEY" not in os.environ:
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
