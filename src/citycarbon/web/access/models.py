"""Who may see what: users' roles and bindings, banks and the consents enterprises give them,
API keys for machine clients, and failed log-ins counted for throttling."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District


class Role(models.TextChoices):
    """The platform's roles; what each may see is decided in ``access.policy`` alone."""

    ADMIN = "admin", _("platform admin")
    REGULATOR = "regulator", _("city regulator")
    DISTRICT = "district", _("district officer")
    ENTERPRISE = "enterprise", _("enterprise user")
    BANK = "bank", _("bank officer")


class Bank(models.Model):
    """A bank whose officers read the codes and portraits of enterprises that consent."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ("code",)
        verbose_name = _("bank")
        verbose_name_plural = _("banks")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Binding(models.Model):
    """Role and binding shared by users and API keys: a district officer is bound to a
    district, an enterprise user to an enterprise, a bank officer to a bank."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.PROTECT
    )
    bank = models.ForeignKey(
        Bank, verbose_name=_("bank"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="district", district__isnull=False) | ~models.Q(role="district")
                )
                & (
                    models.Q(role="enterprise", enterprise__isnull=False)
                    | ~models.Q(role="enterprise")
                )
                & (models.Q(role="bank", bank__isnull=False) | ~models.Q(role="bank")),
                name="%(class)s_binding_present",
            )
        ]


class Profile(Binding):
    """A user's role and binding."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )

    class Meta(Binding.Meta):
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return f"{self.user_id} {self.role}"


class ApiKey(Binding):
    """A machine client's key. Only the SHA-256 of the key is kept; the key itself is shown
    once when it is made. ``scopes`` narrows the role further (empty: all the role may read).
    A key past ``expires_at`` (None: never) is refused like a revoked one; ``last_used_at`` is
    kept to the minute."""

    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_sha256 = models.CharField(_("key SHA-256"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    scopes = models.CharField(_("scopes"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=150)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta(Binding.Meta):
        ordering = ("-created_at", "-id")
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.prefix} {self.role}"


class Consent(models.Model):
    """An enterprise lets a bank read its codes and portraits, until it revokes."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="consents")
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="consents")
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    granted_by = models.CharField(_("granted by"), max_length=150)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.CharField(_("revoked by"), max_length=150, blank=True)

    class Meta:
        ordering = ("-granted_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("enterprise", "bank"),
                condition=models.Q(revoked_at__isnull=True),
                name="consent_one_active",
            )
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.bank_id}"


class LoginThrottle(models.Model):
    """Failed log-ins counted for throttling, one row per user name and address, and one per
    address alone (``username`` empty) for the address-wide ceiling. ``failures`` counts
    from ``since``; a row older than the window counts as zero. Deleting a row unlocks."""

    username = models.CharField(_("user name"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=64)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    since = models.DateTimeField(_("since"))
    last_at = models.DateTimeField(_("last failure"), db_index=True)

    class Meta:
        ordering = ("-last_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("username", "address"), name="login_throttle_one")
        ]
        verbose_name = _("log-in throttle")
        verbose_name_plural = _("log-in throttles")

    def __str__(self) -> str:
        return f"{self.username or '*'}@{self.address} {self.failures}"
