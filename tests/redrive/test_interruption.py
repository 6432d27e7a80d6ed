"""A Ctrl-C during a redrive reports what storage shows, never a guess.

The interruption is raised from inside SQLAlchemy's own commit path on real storage:

- after the server acknowledged COMMIT (the dialect's ``do_commit`` returned): ``redriven``;
- from the ``commit`` connection event, which fires before COMMIT is sent: ``not written``;
- before the write reached COMMIT (a checkpoint): ``not written``;
- after COMMIT with the storage unreachable for the re-read: ``unknown, check with review``.

The CLI test shows the operator-facing part: a committed redrive is reported as ``redriven``
(it used to print "nothing was written").
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import pytest
from sqlalchemy import Engine, event, exc, select

from app.cli import main
from services.domain.errors import StorageUnavailableError
from services.redrive.execute import execute_redrive
from services.redrive.interruption import (
    NOT_WRITTEN,
    REDRIVEN,
    UNKNOWN,
    RedriveInterrupted,
)
from services.redrive.review import run_review
from services.storage.engine import create_storage_engine
from services.storage.schema import apply_logs
from services.storage.store import Storage
from tests.redrive.writeside_support import (
    PLAN_DATA,
    SnapshotTargets,
    dump_tables,
    row,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import insert_failed_apply

OPERATOR = "cli:alice@ops-1"
ENV = "production"


@pytest.fixture
def storage(storage_url):
    storage_engine(storage_url).dispose()
    storage = Storage.from_url(storage_url)
    yield storage
    storage.engine.dispose()


@pytest.fixture
def targets(tmp_path):
    return SnapshotTargets(write_snapshot(tmp_path / "snapshot"))


def _database(engine: Engine) -> str:
    """The test database's own name (named locks are server-wide); any name on SQLite."""
    return engine.url.database if engine.dialect.name != "sqlite" else "orders"


def _seed(engine: Engine, *, routed: bool = False):
    """A redrivable failed apply; ``routed``: deployment and target as a config file names them."""
    database = _database(engine)
    apply = {"database_name": database, **({"deployment": database} if routed else {})}
    plan = {"plan_data": PLAN_DATA, **apply, **({"target": database} if routed else {})}
    with engine.begin() as conn:
        return insert_failed_apply(conn, plan=plan, apply=apply)


@contextmanager
def _interrupt_after_the_redrive_commit(
    dialect_owner: object, then=None, error: BaseException | None = None
) -> Iterator[dict[str, bool]]:
    """Raise ``KeyboardInterrupt`` (or ``error``) once, right after the server acknowledged the
    COMMIT of the transaction that inserted the audit row (``then`` runs first, e.g. to cut the
    storage off).

    ``dialect_owner`` is a dialect instance (one engine) or class (every engine of it)."""
    state = {"audit_inserted": False, "fired": False}
    original = dialect_owner.do_commit

    def spot_audit(conn, cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO APPLY_LOGS"):
            state["audit_inserted"] = True

    def do_commit(*args) -> None:  # (self, dbapi_connection) on a class, else (dbapi_connection)
        original(*args)
        if state["audit_inserted"] and not state["fired"]:
            state["fired"] = True
            if then is not None:
                then()
            raise error if error is not None else KeyboardInterrupt

    event.listen(Engine, "before_cursor_execute", spot_audit)
    dialect_owner.do_commit = do_commit
    try:
        yield state
    finally:
        event.remove(Engine, "before_cursor_execute", spot_audit)
        if isinstance(dialect_owner, type):
            dialect_owner.do_commit = original
        else:
            del dialect_owner.do_commit


def _interrupted(storage, targets, seeded, during=nullcontext, **kw) -> RedriveInterrupted:
    """Review, then redrive inside ``during()``; the redrive must be interrupted."""
    review = run_review(storage, targets, seeded.apply_identifier, ENV, OPERATOR)
    assert review.redrivable, review.reason
    with during(), pytest.raises(RedriveInterrupted) as caught:
        execute_redrive(
            storage, targets, seeded.apply_identifier, ENV, OPERATOR, reviewed=review.token, **kw
        )
    assert isinstance(caught.value, KeyboardInterrupt)
    return caught.value


def test_interrupted_after_the_commit_was_acknowledged_reports_redriven(storage, targets):
    seeded = _seed(storage.engine)
    state: dict[str, bool] = {}

    @contextmanager
    def during():
        with _interrupt_after_the_redrive_commit(storage.engine.dialect) as armed:
            yield
        state.update(armed)

    interrupted = _interrupted(storage, targets, seeded, during)
    assert state["fired"]
    assert interrupted.outcome == REDRIVEN
    assert row(storage.engine, "applies", seeded.apply_id)["state"] == "failed_retryable"


def test_interrupted_as_commit_starts_reports_not_written(storage, targets):
    seeded = _seed(storage.engine)
    before = dump_tables(storage.engine)

    @contextmanager
    def during():
        def interrupt(_conn) -> None:  # the commit event fires before COMMIT is sent
            raise KeyboardInterrupt

        event.listen(storage.engine, "commit", interrupt)
        try:
            yield
        finally:
            event.remove(storage.engine, "commit", interrupt)

    interrupted = _interrupted(storage, targets, seeded, during)
    assert interrupted.outcome == NOT_WRITTEN
    assert dump_tables(storage.engine) == before


def test_interrupted_before_commit_reports_not_written(storage, targets):
    seeded = _seed(storage.engine)
    before = dump_tables(storage.engine)

    def interrupt(step: str) -> None:
        if step == "audit_written":
            raise KeyboardInterrupt

    assert _interrupted(storage, targets, seeded, checkpoint=interrupt).outcome == NOT_WRITTEN
    assert dump_tables(storage.engine) == before


def test_interrupted_after_commit_with_storage_unreachable_reports_unknown(
    storage, targets, storage_url
):
    seeded = _seed(storage.engine)
    engine = storage.engine
    unreachable = engine.dialect.loaded_dbapi.OperationalError("storage unreachable (test)")

    def refuse_checkout(*_args) -> None:
        raise exc.DisconnectionError("connection lost (test)")

    def refuse_connect(*_args) -> None:
        raise unreachable

    def cut_off() -> None:
        event.listen(engine, "checkout", refuse_checkout)
        event.listen(engine, "do_connect", refuse_connect)

    @contextmanager
    def during():
        try:
            with _interrupt_after_the_redrive_commit(engine.dialect, then=cut_off):
                yield
        finally:
            event.remove(engine, "checkout", refuse_checkout)
            event.remove(engine, "do_connect", refuse_connect)

    interrupted = _interrupted(storage, targets, seeded, during)
    assert interrupted.outcome == UNKNOWN
    fresh = create_storage_engine(storage_url)
    try:  # it did commit: "unknown" was honest where "not written" would have been wrong
        with fresh.connect() as conn:
            assert conn.execute(select(apply_logs.c.apply_id)).scalars().all() == [seeded.apply_id]
    finally:
        fresh.dispose()


def test_a_connection_lost_after_commit_names_the_outcome_read_back(storage, targets):
    seeded = _seed(storage.engine)
    review = run_review(storage, targets, seeded.apply_identifier, ENV, OPERATOR)
    lost = storage.engine.dialect.loaded_dbapi.OperationalError(2013, "Lost connection (test)")
    with (
        _interrupt_after_the_redrive_commit(storage.engine.dialect, error=lost) as state,
        pytest.raises(StorageUnavailableError) as caught,
    ):
        execute_redrive(
            storage, targets, seeded.apply_identifier, ENV, OPERATOR, reviewed=review.token
        )
    assert state["fired"]
    assert str(caught.value).endswith("COMMIT was sent, read back: redriven")
    assert row(storage.engine, "applies", seeded.apply_id)["state"] == "failed_retryable"


def test_cli_reports_a_committed_but_interrupted_redrive_as_redriven(
    storage, tmp_path, monkeypatch, capsys, storage_url
):
    seeded = _seed(storage.engine, routed=True)
    write_snapshot(tmp_path / "snapshot")
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        f"databases:\n  {_database(storage.engine)}:\n    type: mysql\n    environments:\n"
        "      production:\n        schema_snapshot: snapshot\n"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    argv = [
        "redrive", seeded.apply_identifier, "-e", ENV, "--yes", "--json", "--config", str(config),
        "--storage-url", storage_url, "--operator", OPERATOR,
    ]  # fmt: skip
    with _interrupt_after_the_redrive_commit(type(storage.engine.dialect)) as state:
        code = main(argv)
    assert state["fired"]
    assert code == 130
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "status": "interrupted",
        "apply_id": seeded.apply_identifier,
        "outcome": "redriven",
    }
    assert row(storage.engine, "applies", seeded.apply_id)["state"] == "failed_retryable"
