from django.apps import AppConfig


class ControlConfig(AppConfig):
    name = "fangkong.control"
    label = "control"
    verbose_name = "Control"

    def ready(self):
        # Registers the arrivals kinds of import with the people import machinery (its task runs them).
        from fangkong.control import arrival_import, receivers  # noqa: F401
        from fangkong.control.statuses import OrderStatuses
        from fangkong.healthcodes.providers import register

        register(OrderStatuses())  # open orders, positive and overdue tests colour health codes
