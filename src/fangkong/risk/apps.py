from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "fangkong.risk"
    label = "risk"
    verbose_name = "Risk areas"
