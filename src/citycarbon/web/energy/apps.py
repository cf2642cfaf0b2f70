from django.apps import AppConfig


class EnergyConfig(AppConfig):
    name = "citycarbon.web.energy"
    label = "energy"
    verbose_name = "能源与排放 Energy and emissions"

    def ready(self) -> None:
        from citycarbon.web.energy import jobs  # noqa: F401, PLC0415  (registers the job kind)
