"""The static files' storage outside debug: WhiteNoise's compressed manifest storage (names
with the content hash, gzip copies, made by ``collectstatic``), which names a file not
collected (yet) by its plain name instead of failing the page; WhiteNoise then serves that
one from its folder (``WHITENOISE_USE_FINDERS``)."""

from __future__ import annotations

from whitenoise.storage import (  # type: ignore[import-untyped]  # WhiteNoise ships no types
    CompressedManifestStaticFilesStorage,
)


class StaticFiles(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # untyped base
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:  # not in the manifest and not collected: nothing to hash
            return name
