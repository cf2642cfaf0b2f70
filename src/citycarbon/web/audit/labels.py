"""Readable names of the audit trail's action codes (the codes stay in the events; pages show
the name, or the code itself for an action not listed here)."""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: Final[dict[str, Promise]] = {
    "access.create_user": _("Create user"),
    "access.create_bank": _("Create bank"),
    "access.create_api_key": _("Create API key"),
    "access.revoke_api_key": _("Revoke API key"),
    "access.grant_consent": _("Grant a bank consent"),
    "access.revoke_consent": _("Revoke a bank consent"),
    "access.login": _("Log in"),
    "access.login_failed": _("Failed log-in"),
    "access.login_blocked": _("Log-in blocked"),
    "access.unlock_login": _("Unlock log-in"),
    "admin.add": _("Admin: add"),
    "admin.change": _("Admin: change"),
    "admin.delete": _("Admin: delete"),
    "admin.password_change": _("Admin: change password"),
    "buildings.import": _("Import public buildings"),
    "buildings.grade": _("Grade public buildings"),
    "electricity.ingest": _("Import electricity readings"),
    "electricity.map": _("Map electricity account"),
    "electricity.map_many": _("Map electricity accounts"),
    "electricity.remap": _("Remap electricity account"),
    "electricity.unmap": _("Unmap electricity account"),
    "energy.import": _("Import energy records"),
    "energy.supersede": _("Supersede energy records"),
    "energy.upload": _("Upload energy file"),
    "energy.account": _("Account emissions"),
    "enterprises.import": _("Import enterprises"),
    "enterprises.update": _("Update enterprise"),
    "enterprises.onboard": _("Onboard enterprises"),
    "enterprises.flag_key_energy_users": _("Flag key energy users"),
    "enterprises.economics_import": _("Import economic data"),
    "enterprises.economics_update": _("Update economic data"),
    "grading.grade": _("Grade enterprises"),
    "grading.publish": _("Publish grades"),
    "grading.mark_stale": _("Mark year for re-grading"),
    "jobs.enqueue": _("Queue job"),
    "jobs.running": _("Job started"),
    "jobs.done": _("Job done"),
    "jobs.failed": _("Job failed"),
    "regions.sync": _("Sync regions"),
    "regions.update": _("Update district"),
    "regions.import": _("Import regions"),
    "reports.issue": _("Issue a report"),
}

OUTCOMES: Final[dict[str, Promise]] = {
    "pending": _("waiting"),
    "running": _("running"),
    "imported": _("imported"),
    "partial": _("partly imported"),
    "quarantined": _("quarantined"),
    "unchanged": _("unchanged"),
    "failed": _("failed"),
    "done": _("done"),
}


def action_label(code: str) -> str:
    """``energy.upload.partial`` → "上传能源数据文件（部分导入）"; an unknown code as it is."""
    if code in ACTIONS:
        return str(ACTIONS[code])
    head, _dot, outcome = code.rpartition(".")
    if head in ACTIONS and outcome in OUTCOMES:
        return f"{ACTIONS[head]} ({OUTCOMES[outcome]})"
    if head == "onboarding.upload" and outcome in OUTCOMES:
        return f"{_('City data import')} ({OUTCOMES[outcome]})"
    return code
