"""Model fields for text that must stay on one line."""

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
