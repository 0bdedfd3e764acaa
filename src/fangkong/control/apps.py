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

        from fangkong.control.sections import orders_section
        from fangkong.people.sections import Section
        from fangkong.people.sections import register as register_section

        register_section(Section("orders", "control/_person_orders.html", orders_section, order=20))
