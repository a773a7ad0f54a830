from django.apps import AppConfig


class WxrConfig(AppConfig):
    name = "wxr"
    verbose_name = "WordPress import and export"
