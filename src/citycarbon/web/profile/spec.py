"""The profile app's declaration: composition pages over the registers, data and derived
apps — the enterprise list (the dashboard's drill-down target) and the enterprise page
with its code, QR, portrait, trend, energy mix, what-if, records, downloads and consents.
It holds no resource of its own; each page names the resource it shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from citycarbon.web.registry import AppSpec, MenuEntry

SPEC = AppSpec(
    app="profile",
    layer="composition",
    urls="citycarbon.web.profile.urls",
    menu=(MenuEntry(_("Enterprises"), "enterprises", "enterprises", order=20),),
    docs="platform.md",
)
