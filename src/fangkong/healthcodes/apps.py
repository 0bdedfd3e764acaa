from django.apps import AppConfig


class HealthCodesConfig(AppConfig):
    name = "fangkong.healthcodes"
    label = "healthcodes"
    verbose_name = "Health codes"

    def ready(self):
        from fangkong.healthcodes.sections import colour_section
        from fangkong.people.sections import Section, register

        register(Section("health_code", "healthcodes/_person_colour.html", colour_section, order=10))
