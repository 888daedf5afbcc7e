from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Site infrastructure that every app relies on and no app's models import:
    the page cache, deploy checks."""

    name = "core"
    verbose_name = "SoMeHub"

    def ready(self) -> None:
        from core import checks, pagecache

        checks.register()
        pagecache.install()
