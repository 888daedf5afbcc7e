"""Model fields for text that must stay on one line, and columns made from others."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

from somehub.lib.text import one_line


class OneLineCharField(models.CharField):
    """A CharField for titles and names: kept as one line however it arrives (a form,
    the admin, an import, `objects.create()`), because it ends up in calendar files,
    feeds and mail subjects, where a line break breaks the format."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return one_line(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = one_line(value)
            setattr(model_instance, self.attname, value)
        return value


def derive_on_save(
    instance: models.Model,
    save_kwargs: dict[str, Any],
    sources: Iterable[str],
    target: str,
    make: Callable[[], str],
) -> None:
    """Before `instance.save(**save_kwargs)`: set the column `target` to `make()`
    whenever the save writes one of `sources` (a save without update_fields writes
    them all), and have that save write `target` too. For a column that holds what
    is made from others, such as the sanitised HTML of a text, so that it always
    follows its source."""
    update_fields = save_kwargs.get("update_fields")
    if update_fields is None or set(sources) & set(update_fields):
        setattr(instance, target, make())
        if update_fields is not None:
            save_kwargs["update_fields"] = {*update_fields, target}
