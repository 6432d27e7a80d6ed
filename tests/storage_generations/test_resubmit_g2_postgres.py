"""``resubmit`` on SchemaBot's G2 PostgreSQL storage (upstream DDL): a terminal apply is final
there, so a fresh apply is the only sanctioned recovery. The SchemaBot double writes its plan
and apply records into the same PostgreSQL database, and the console reads the new apply back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.cli import main
from services.storage import schema
from services.storage.engine import create_storage_engine
from services.storage.generation import detect
from services.storage.store import Storage
from tests.schemabot_api.double import SchemaBotDouble
from tests.schemabot_api.support import LIVE, seed_failed_apply


def test_resubmit_on_g2_postgres_storage(
    capsys, monkeypatch: pytest.MonkeyPatch, g2_postgres_url: str
) -> None:
    for name in ("SCHEMABOT_ENDPOINT", "SCHEMABOT_TOKEN", "SCHEMABOT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    storage = Storage(create_storage_engine(g2_postgres_url))
    double = SchemaBotDouble(storage.engine, live=LIVE, database_types={"testdb": "mysql"})
    try:
        with storage.engine.connect() as conn:
            found = detect(conn)
        assert (found.dialect, found.generation) == ("postgres", "g2")
        seeded = seed_failed_apply(storage)
        failed_before = storage.load_bundle(seeded.apply_identifier).apply

        code = main(["resubmit", seeded.apply_identifier, "-e", "staging", "--yes", "--json",
                     "--operator", "alice", "--storage-url", g2_postgres_url,
                     "--endpoint", double.url])  # fmt: skip
        doc = json.loads(capsys.readouterr().out)

        assert code == 0, doc
        assert doc["status"] == "resubmitted" and doc["storage"]["generation"] == "g2"
        caller = f"redrive-console:alice resubmits {seeded.apply_identifier}"
        new = storage.load_progress(doc["new_apply_id"])
        assert (new.apply.caller, new.apply.state, len(new.tasks)) == (caller, "pending", 1)
        assert storage.load_bundle(seeded.apply_identifier).apply == failed_before
        with storage.engine.connect() as conn:
            logs = conn.execute(
                select(schema.apply_logs).where(schema.apply_logs.c.apply_id == seeded.apply_id)
            ).all()
        assert [log.metadata["new_apply_id"] for log in logs] == [doc["new_apply_id"]]
    finally:
        double.shutdown()
        storage.engine.dispose()
    assert double.crashes == []
