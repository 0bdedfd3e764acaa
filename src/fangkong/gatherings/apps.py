from django.apps import AppConfig


class GatheringsConfig(AppConfig):
    name = "fangkong.gatherings"
    label = "gatherings"
    verbose_name = "Gatherings"
