from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    label = "testing"
    verbose_name = "Mass testing"

    def ready(self):
        from . import results_import  # noqa: F401  registers the lab results kind of import
