"""Forms of the energy uploads: the upload page's options and the API's ``partial`` flag
(the file itself is checked by ``actions.upload_refusal``, after the size cap)."""

from __future__ import annotations

from typing import Final

from django import forms
from django.utils.translation import gettext_lazy as _

TRUE: Final = frozenset({"true", "on", "1", "yes"})
FALSE: Final = frozenset({"false", "off", "0", "no", ""})


class UploadOptions(forms.Form):
    """The upload page's checkbox: import the good rows and quarantine the rest."""

    partial = forms.BooleanField(label=_("Partial import"), required=False)


class PartialFlag(forms.Form):
    """The API's multipart field ``partial``: true/false (also on/off, 1/0, yes/no, any
    case); absent is false."""

    partial = forms.CharField(required=False, strip=True)

    def clean_partial(self) -> bool:
        value = self.cleaned_data["partial"].lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise forms.ValidationError("partial: expected true or false / partial 应为 true 或 false")
