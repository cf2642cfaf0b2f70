"""The password validators' messages, named here so that ``makemessages`` keeps their Chinese.

Django 5.2's own zh_Hans catalogue still has the minimum length message with
``%(min_length)d`` while the validator asks for ``%d``, so it shows in English; the project's
catalogue (``LOCALE_PATHS``, which comes first) carries all four validators' messages. Nothing
imports this module: it is read by ``makemessages`` only.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

PASSWORD_VALIDATOR_MESSAGES = (
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
)
