"""Field types shared by every app."""

from __future__ import annotations

from django.core import checks
from django.db import models


class SealedField(models.TextField):
    """A value sealed with AES-GCM (core.crypto.seal): an ID number, a phone, a raw import row.

    One type for all of them, so that nothing shows, edits or exports one by accident: it is not editable (no
    form or admin page offers it), and its name ends in `_sealed`, the suffix the audit log drops (checked at
    start-up). Reading it in clear is core.crypto.unseal, behind a role that may and an access-log entry.
    """

    description = "A sealed (encrypted) text value"

    def __init__(self, *args, **kwargs):
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_sealed_name()]

    def _check_sealed_name(self) -> list[checks.Error]:
        if self.name and not self.name.endswith("_sealed"):
            return [checks.Error(f"a sealed value's field must be named '…_sealed' (the audit drops those): {self.name}",
                                 obj=self, id="fangkong.E001")]
        return []
