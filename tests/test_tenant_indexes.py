"""Every tenant list is indexed for the tenant (architecture rule 9): keyset pages run
``WHERE organisation_id = ? … AND id > ? ORDER BY id``, so each table with an organisation
has an index on (organisation_id, id), and none on organisation_id alone (a prefix of it)."""

from __future__ import annotations

from services import contexts

# The worker's queues: claimed by due time or position, never listed a page per organisation.
WORKER_TABLES = {"events", "timers"}


def _tenant_tables() -> list[str]:
    return sorted(
        name
        for name, table in contexts.metadata().tables.items()
        if "organisation_id" in table.c and "id" in table.c and name not in WORKER_TABLES
    )


def test_every_tenant_table_pages_on_organisation_then_id() -> None:
    missing = []
    for name in _tenant_tables():
        table = contexts.metadata().tables[name]
        keys = [
            [column.name for column in index.columns]
            for index in table.indexes
            if index.dialect_options["postgresql"].get("where") is None
        ]
        if ["organisation_id", "id"] not in keys:
            missing.append(name)
    assert missing == []


def test_no_index_on_organisation_id_alone() -> None:
    redundant = [
        index.name
        for name in _tenant_tables()
        for index in contexts.metadata().tables[name].indexes
        if [column.name for column in index.columns] == ["organisation_id"]
    ]
    assert redundant == []
