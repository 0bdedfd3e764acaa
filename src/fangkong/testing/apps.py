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

        from .orders_bridge import add_to_workers_day
        from .selectors import recalls_of_day

        add_to_workers_day("recalls", recalls_of_day)  # positive pools' members on the worker's list of the day
