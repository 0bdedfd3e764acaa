from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fangkong.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Each app names its actions in its actions.py; the permission policy needs all of them registered.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("actions")
