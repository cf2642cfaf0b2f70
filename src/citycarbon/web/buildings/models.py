"""Public buildings, their yearly energy, and their codes A-E."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from citycarbon.web.audit.models import DataImport


class Building(models.Model):
    """A large public building (office, commercial, school, hospital, hotel, other public)."""

    building_id = models.CharField(_("building id"), max_length=64, unique=True)
    building_type = models.CharField(_("type"), max_length=16)
    floor_area_m2 = models.FloatField(_("floor area (m²)"))
    synthetic = models.BooleanField(_("synthetic"), default=False)

    class Meta:
        ordering = ("building_id",)
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return self.building_id


class BuildingYear(models.Model):
    """A building's energy in a year."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    electricity_kwh = models.FloatField()
    gas_m3 = models.FloatField(default=0.0)
    green_electricity_kwh = models.FloatField(default=0.0)
    data_import = models.ForeignKey(DataImport, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("building", "year"), name="building_year_key")
        ]

    def __str__(self) -> str:
        return f"{self.building_id} {self.year}"


class BuildingCode(models.Model):
    """A building's code for a year, with the bounds and basis used."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="codes")
    year = models.PositiveSmallIntegerField(_("year"))
    factor_set = models.CharField(_("factor set"), max_length=120)
    scheme = models.CharField(_("scheme"), max_length=32)
    tco2 = models.FloatField()
    kgco2_per_m2 = models.FloatField()
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    threshold_basis = models.CharField(_("threshold basis"), max_length=120)
    peer_count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("building", "year", "factor_set", "scheme"), name="building_code_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.building_id} {self.year} {self.grade}"
