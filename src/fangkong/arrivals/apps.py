from django.apps import AppConfig


class ArrivalsConfig(AppConfig):
    name = "fangkong.arrivals"
    label = "arrivals"
    verbose_name = "Arrivals"

    def ready(self):
        from fangkong.arrivals import importing  # noqa: F401 - registers the 协查 and arrival-sheet kinds of import
        from fangkong.arrivals.selectors import new_arrivals_of_day
        from fangkong.control.selectors import register_day_section

        register_day_section("new_arrivals", new_arrivals_of_day)  # on the grid worker's list of the day
