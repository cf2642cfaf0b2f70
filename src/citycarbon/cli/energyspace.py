"""``citycarbon energy-space verify``: recompute the energy-use space ledgers' hash chains."""

from __future__ import annotations

import typer

from citycarbon.cli.console import EXIT_BAD_INPUT, err, out


def energy_space_verify() -> None:
    """Check every district's energy-use space ledger against its hash chain.

    Exit 0 with "chain intact: N entries", or exit 2 with each entry (district, number) whose
    stored hash does not match, in Chinese and English, on stderr.
    """
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from citycarbon.web.energyspace.selectors import verify_chains  # noqa: PLC0415

    report = verify_chains()
    if not report.broken:
        out.print(
            f"用能空间台账完整：{report.entries} 条记录 / chain intact: {report.entries} entries",
            markup=False,
        )
        return
    for code, seq in report.broken:
        err.print(
            f"区县 {code} 第 {seq} 号记录与哈希链不符 / district {code} entry {seq} does not "
            "match its hash chain",
            markup=False,
        )
    raise typer.Exit(EXIT_BAD_INPUT)


def register(app: typer.Typer) -> None:
    space = typer.Typer(help="The energy-use space ledger.", no_args_is_help=True)
    space.command("verify")(energy_space_verify)
    app.add_typer(space, name="energy-space")
