"""The write side accepts a fingerprint prefix of at least 16 hex characters (what the console
shows) and refuses anything shorter or non-hex as bad input, before touching storage."""

from __future__ import annotations

import pytest

from services.redrive.execute import execute_redrive
from services.redrive.fingerprint import (
    FingerprintPrefixError,
    fingerprint_matches,
    parse_fingerprint_prefix,
)
from services.redrive.review import run_review
from services.redrive.validation import RedriveRejection
from services.storage.store import Storage
from tests.redrive.writeside_support import (
    PLAN_DATA,
    SnapshotTargets,
    dump_tables,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import insert_failed_apply

OPERATOR = "cli:alice@ops-1"
ENV = "production"
FULL = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "given, parsed",
    [(FULL[:16], FULL[:16]), (FULL.upper(), FULL), (f"  {FULL[:20]}\n", FULL[:20])],
)
def test_a_prefix_of_16_to_64_hex_characters_is_accepted(given, parsed):
    assert parse_fingerprint_prefix(given) == parsed
    assert fingerprint_matches(parsed, FULL)
    assert not fingerprint_matches(parsed, "f" + FULL[1:])


@pytest.mark.parametrize(
    "given, problem",
    [
        (FULL[:15], "has 15 hex characters; give at least 16"),
        (FULL + "0", "has 65 hex characters"),
        ("g" * 16, "is not hexadecimal"),
        ("", "is not hexadecimal"),
    ],
)
def test_anything_else_is_refused_with_the_reason(given, problem):
    with pytest.raises(FingerprintPrefixError, match=problem):
        parse_fingerprint_prefix(given)


@pytest.fixture
def seeded_storage(storage_url, tmp_path):
    engine = storage_engine(storage_url)
    database = engine.url.database if engine.dialect.name != "sqlite" else "orders"
    route = {"database_name": database}
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, plan={"plan_data": PLAN_DATA, **route}, apply=route)
    engine.dispose()
    storage = Storage.from_url(storage_url)
    targets = SnapshotTargets(write_snapshot(tmp_path / "snapshot"))
    review = run_review(storage, targets, seeded.apply_identifier, ENV, OPERATOR)
    assert review.redrivable, review.reason
    yield storage, targets, seeded, review
    storage.engine.dispose()


def _redrive(storage, targets, seeded, review, expect: str):
    return execute_redrive(
        storage, targets, seeded.apply_identifier, ENV, OPERATOR,
        reviewed=review.token, expect_fingerprint=expect,
    )  # fmt: skip


@pytest.mark.parametrize("given", ["abc", FULL[:15], "z" * 16])
def test_the_write_refuses_a_malformed_fingerprint_as_bad_input(seeded_storage, given):
    storage, targets, seeded, review = seeded_storage
    before = dump_tables(storage.engine)
    with pytest.raises(RedriveRejection) as caught:
        _redrive(storage, targets, seeded, review, given)
    assert (caught.value.code, caught.value.status) == ("invalid_fingerprint", 400)
    assert dump_tables(storage.engine) == before


def test_the_write_accepts_the_16_characters_the_console_shows(seeded_storage):
    storage, targets, seeded, review = seeded_storage
    outcome = _redrive(storage, targets, seeded, review, review.fingerprint[:16].upper())
    assert outcome.status == "redriven", outcome.reason
