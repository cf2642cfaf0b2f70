"""``citycarbon audit verify``: walk the audit trail's hash chain and report what breaks it."""

from __future__ import annotations

import typer

from citycarbon.cli.console import EXIT_BAD_INPUT, err, out


def audit_verify() -> None:
    """Check the audit trail's hash chain, event by event in order.

    Exit 0 with "chain intact: N events", or exit 2 with each edited, deleted or reordered
    event (its id, what is wrong, in Chinese and English) on stderr.
    """
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from citycarbon.web.audit.chain import verify  # noqa: PLC0415

    report = verify()
    if report.intact:
        out.print(
            f"审计链完整：{report.events} 个事件 / chain intact: {report.events} events "
            f"({bootstrap.database_label()})",
            markup=False,
        )
        return
    for finding in report.findings:
        err.print(finding.render(), markup=False, soft_wrap=True)
    err.print(
        f"审计链被破坏：{len(report.findings)} 处问题，共 {report.events} 个事件 / "
        f"chain broken: {len(report.findings)} findings in {report.events} events",
        markup=False,
    )
    raise typer.Exit(EXIT_BAD_INPUT)


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The audit trail.", no_args_is_help=True)
    audit.command("verify")(audit_verify)
    app.add_typer(audit, name="audit")
