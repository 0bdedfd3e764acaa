from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "fangkong.imports"
    label = "imports"
    verbose_name = "Imports"
