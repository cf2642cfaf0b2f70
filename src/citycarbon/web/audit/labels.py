"""Readable names of the audit trail's action codes (the codes stay in the events; pages show
the name, or the code itself for an action not listed here)."""

from __future__ import annotations

import contextlib
from typing import Final

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
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
    "budgets.create_plan": _("Create a draft budget plan"),
    "budgets.set_line": _("Change a draft budget line"),
    "budgets.allocate": _("Allocate a budget to its lines"),
    "budgets.approve": _("Approve a budget plan"),
    "budgets.adjust": _("Adjust a budget plan"),
    "budgets.monitor": _("Monitor budget execution"),
    "budgets.open_case": _("Open a budget warning case"),
    "budgets.answer_case": _("Answer a budget warning case"),
    "budgets.close_case": _("Close a budget warning case"),
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
    "energyspace.closure": _("Record freed energy-use space: closure"),
    "energyspace.retrofit": _("Record freed energy-use space: retrofit"),
    "energyspace.other_source": _("Record freed energy-use space"),
    "energyspace.allocation": _("Allocate energy-use space to a project"),
    "energyspace.reservation": _("Reserve energy-use space for a project"),
    "energyspace.release": _("Release reserved energy-use space"),
    "energyspace.reversal": _("Reverse an energy-use space entry"),
    "energyspace.target": _("Set an energy-use space target"),
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


def _model(object_type: str) -> type[models.Model] | None:
    """The model an event's ``object_type`` names (its class name), if any."""
    for model in apps.get_models():
        if model.__name__ == object_type:
            return model
    return None


def object_label(object_type: str) -> str:
    """``Consent`` → the model's name (授权); a type that is no model by the catalogue's
    message for it, else as it is."""
    model = _model(object_type)
    return gettext(str(model._meta.verbose_name if model is not None else object_type))


def field_label(object_type: str, field: str) -> str:
    """``("Consent", "revoked_at")`` → the field's name (撤销时间); a key that is no field of
    the model by the catalogue's message for it (``role`` → 角色), else as it is."""
    model = _model(object_type)
    name: object = field
    if model is not None:
        with contextlib.suppress(FieldDoesNotExist):
            name = getattr(model._meta.get_field(field), "verbose_name", None) or field
    return gettext(str(name))
