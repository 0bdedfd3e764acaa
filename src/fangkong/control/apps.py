from django.apps import AppConfig


class ControlConfig(AppConfig):
    name = "fangkong.control"
    label = "control"
    verbose_name = "Control"

    def ready(self):
        # Registers the arrivals kinds of import with the people import machinery (its task runs them).
        from . import arrival_import, receivers  # noqa: F401
