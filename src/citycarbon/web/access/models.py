"""Who may do what: users' roles and bindings, banks, API keys for machine clients, and
failed log-ins counted for throttling. Roles and the subject types they are bound to are
declared by the apps (``web.registry``); a binding is (role, subject type, subject id), so
a new kind of subject needs no new column here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    district, an enterprise user to an enterprise, a bank officer to a bank — each as the
    subject type its role declares and the subject's primary key. Whether the role needs a
    subject, and of which type, is checked by ``access.actions.Binding`` on every write."""

    role = models.CharField(_("role"), max_length=32)
    subject_type = models.CharField(_("subject type"), max_length=32, blank=True)
    subject_id = models.BigIntegerField(_("bound subject"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject_type="", subject_id__isnull=True)
                | (~models.Q(subject_type="") & models.Q(subject_id__isnull=False)),
                name="%(class)s_subject_whole",
            )
        ]
        indexes = [models.Index(fields=("subject_type", "subject_id"), name="%(class)s_subject")]


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
