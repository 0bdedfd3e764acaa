from django.apps import AppConfig


class ControlConfig(AppConfig):
    name = "fangkong.control"
    label = "control"
    verbose_name = "Control orders"

    def ready(self):
        from fangkong.control import receivers  # noqa: F401
        from fangkong.control.statuses import OrderStatuses
        from fangkong.healthcodes.providers import register

        register(OrderStatuses())  # open orders, positive and overdue tests colour health codes
