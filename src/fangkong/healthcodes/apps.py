from django.apps import AppConfig


class HealthCodesConfig(AppConfig):
    name = "fangkong.healthcodes"
    label = "healthcodes"
    verbose_name = "Health codes"
