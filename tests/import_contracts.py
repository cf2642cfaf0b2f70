"""An import-linter contract type for the web apps' layers, read from their own declarations.

Each app of ``citycarbon.web`` says its layer in its ``spec`` module (``AppSpec.layer``; an
app without a spec, and every module outside an app, is platform). The contract is kept
when

- no platform module imports a domain app (directly or through others), and
- no domain app imports an app of a higher layer (register → data → derived →
  composition, from the bottom up).

Because the layers come from the apps, adding a domain app needs no edit here or in
``pyproject.toml``. ``shells`` names modules above every layer that may import all of them
(the demo city loader). Run by ``lint-imports`` (configured in ``pyproject.toml``).
"""

from __future__ import annotations

import importlib
from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output

from citycarbon.web.registry import LAYERS, spec_of


def _layers(settings_module: str, package: str) -> dict[str, str]:
    """App package → layer, for the installed apps under ``package``."""
    installed = importlib.import_module(settings_module).INSTALLED_APPS
    found = {}
    for app in installed:
        if app.startswith(f"{package}."):
            spec = spec_of(app)
            found[app] = spec.layer if spec is not None else "platform"
    return found


class DomainLayersContract(Contract):
    package = fields.StringField()
    settings = fields.StringField()
    shells = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        package, shells = str(self.package), [str(s) for s in self.shells]  # type: ignore[attr-defined]
        layers = _layers(str(self.settings), package)  # type: ignore[attr-defined]
        domains = {app: layer for app, layer in layers.items() if layer != "platform"}
        children = {m for m in graph.find_children(package)}
        platform = sorted(
            m
            for m in children
            if m not in domains and not any(m == s or m.startswith(f"{s}.") for s in shells)
        )
        broken: list[dict[str, Any]] = []
        for source in platform:
            for target in sorted(domains):
                broken.extend(self._chains(graph, source, target, "platform", domains[target]))
        for source, low in sorted(domains.items()):
            for target, high in sorted(domains.items()):
                if LAYERS.index(low) < LAYERS.index(high):
                    broken.extend(self._chains(graph, source, target, low, high))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    @staticmethod
    def _chains(
        graph: ImportGraph, source: str, target: str, low: str, high: str
    ) -> list[dict[str, Any]]:
        chains = graph.find_shortest_chains(importer=source, imported=target, as_packages=True)
        return [
            {"source": source, "target": target, "low": low, "high": high, "chain": list(chain)}
            for chain in sorted(chains)
        ]

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            output.print_error(
                f"{item['source']} ({item['low']}) is not allowed to import "
                f"{item['target']} ({item['high']}):"
            )
            output.indent_cursor()
            output.print_error(" -> ".join(item["chain"]), bold=False)
            output.new_line()
