"""Tables whose rows are only ever added: on PostgreSQL a trigger refuses to update or
delete their rows, whatever the client. TRUNCATE is left to the table's owner (the test
suite's flush uses it); emptying such a table is a deliberate act of the database
administrator, not something the platform does. SQLite has no such guard."""

from __future__ import annotations

from typing import Any

from django.db import migrations

FUNCTION = "citycarbon_append_only"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% % refused: rows are only ever added / 只可追加记录，不可修改或删除',
        TG_OP, TG_TABLE_NAME;
END
$$
"""


def refuse_changes(*tables: str, operations: str = "UPDATE OR DELETE") -> migrations.RunPython:
    """A migration operation that puts the trigger on ``tables`` (PostgreSQL only)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(CREATE_FUNCTION, None)  # no parameters: its % are literal
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE {operations} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
            )

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")

    return migrations.RunPython(forward, backward)
