"""The role table of ``docs/platform.md``, generated from the registry: for each resource,
what each role may do to it, and how far (``all`` rows, or those its binding reaches).

``python -m citycarbon.web.access.docs`` prints it; a test proves the docs hold it."""

from __future__ import annotations

from citycarbon.web.registry import ACTIONS, Registry

START = "<!-- role table: generated from web.registry, python -m citycarbon.web.access.docs -->"
END = "<!-- end of role table -->"


def role_table(known: Registry) -> str:
    """A Markdown table: one row per resource (with the subject type its rows are scoped
    by), one column per role; a cell lists the actions the role may take, prefixed by the
    rows it reaches."""
    roles = list(known.roles.values())
    header = ["resource", "scoped by", *(r.name for r in roles)]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for resource in sorted(known.resources.values(), key=lambda r: r.name):
        cells = [f"`{resource.name}`", resource.subject or "—"]
        for role in roles:
            actions = [a for a in ACTIONS if role.name in resource.roles(a)]
            if not actions:
                cells.append("—")
                continue
            keyed = [f"{a}¹" if a in resource.keys_only else a for a in actions]
            reach = "all" if role.city_wide else (role.reach or f"own {role.binds}")
            cells.append(f"{reach}: {', '.join(keyed)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def section(known: Registry) -> str:
    return f"{START}\n{role_table(known)}{END}"


if __name__ == "__main__":  # pragma: no cover
    import django

    django.setup()
    from citycarbon.web.registry import registry

    print(section(registry()))
