"""Tasks queued before the import pipeline moved to `imports` name this module; it hands them on."""

from fangkong.imports.tasks import import_batch  # noqa: F401
