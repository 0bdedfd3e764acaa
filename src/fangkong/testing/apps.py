from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    label = "testing"
    verbose_name = "Mass testing"

    def ready(self):
        from fangkong.healthcodes.providers import register

        from . import results_import  # noqa: F401  registers the lab results kind of import
        from .statuses import TestingStatuses

        register(TestingStatuses())  # hours since the last negative, a result pending
