"""Districts and industries: the reference lists every other table points to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """A county-level division (区县), by its GB/T 2260 code."""

    code = models.CharField(_("GB/T 2260 code"), max_length=6, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    parent_code = models.CharField(_("parent GB/T 2260 code"), max_length=6, blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Industry(models.Model):
    """An industry class (GB/T 4754, 2-4 digits)."""

    code = models.CharField(_("GB/T 4754 code"), max_length=4, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=256, blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"
