"""The persistent planner cache: reused across runs, never trusted when an entry does not verify.

Each test gets its own cache folder and an empty in-process cache, and counts how often the
real parser runs (``parse_table_uncached``), so "served from disk" and "parsed again" are
observed, not assumed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.planner import disk_cache
from services.planner import parse as parse_module
from services.planner.api import Flavour
from services.planner.model_codec import decode_table, encode_table
from services.planner.parse import PLANNER_VERSION, TableParseError, parse_many
from services.planner.spirit_level import DEFAULT_LEVEL

ROOT = Path(__file__).resolve().parents[2]
USERS = (
    "CREATE TABLE `users` (\n  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n"
    "  `email` varchar(191) COLLATE utf8mb4_bin DEFAULT NULL,\n"
    "  `state` enum('new','done') NOT NULL DEFAULT 'new' COMMENT 'life cycle',\n"
    "  PRIMARY KEY (`id`),\n  UNIQUE KEY `uq_email` (`email`),\n"
    "  KEY `idx_state` (`state`,`id` DESC)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
)
ORDERS = (
    "CREATE TABLE orders (id int NOT NULL, user_id bigint unsigned NOT NULL,"
    " PRIMARY KEY (id), CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id)"
    " ON DELETE CASCADE) PARTITION BY HASH (id) PARTITIONS 4"
)
REFUSED = "CREATE TABLE t (id int NOT NULL) WITH SYSTEM VERSIONING"


@pytest.fixture
def parses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A private cache folder, an empty in-process cache, and the texts the parser really ran on."""
    monkeypatch.setattr(disk_cache, "_settings", disk_cache._Settings(directory=tmp_path / "c"))
    parse_module.clear_cache()
    seen: list[str] = []
    real = parse_module.parse_table_uncached

    def counting(sql, *args, **kwargs):
        seen.append(sql)
        return real(sql, *args, **kwargs)

    monkeypatch.setattr(parse_module, "parse_table_uncached", counting)
    yield seen
    parse_module.clear_cache()


def plan_items(*texts: str) -> list:
    return [(text, Flavour.MARIADB, True, DEFAULT_LEVEL) for text in texts]


def new_process() -> None:
    """What a new run sees: nothing in memory, only the disk."""
    parse_module.clear_cache()


def entry_files() -> list[Path]:
    return sorted(p for p in disk_cache.cache_directory().rglob("*") if p.is_file())


def key_hex(text: str) -> str:
    return parse_module.statement_key(plan_items(text)[0]).hex()


def read_pack(path: Path) -> tuple[dict, dict[str, bytes]]:
    """A pack's header document and its entries' bytes by key."""
    raw = path.read_bytes()
    _first, header, payload = raw.split(b"\n", 2)
    document = json.loads(header)
    entries = {
        key: payload[offset : offset + length]
        for key, (offset, length, _) in document["entries"].items()
    }
    return document, entries


def write_pack(path: Path, document: dict, entries: dict[str, bytes]) -> None:
    """A pack whose digests all verify, from any header fields and entries (forged content)."""
    records, offset = {}, 0
    for key, raw in entries.items():
        records[key] = [offset, len(raw), hashlib.sha256(raw).hexdigest()]
        offset += len(raw)
    header = json.dumps({**document, "entries": records}).encode() + b"\n"
    first = b"RCPK2 " + hashlib.sha256(header).hexdigest().encode() + b"\n"
    path.write_bytes(first + header + b"".join(entries.values()))


def test_a_new_run_reads_models_and_refusals_from_one_pack(parses: list[str]) -> None:
    first = parse_many(plan_items(USERS, ORDERS, REFUSED))
    assert len(parses) == 3
    (pack,) = entry_files()  # one file for the whole call, not one per statement
    assert pack.name == disk_cache.pack_name(
        bytes.fromhex(key_hex(t)) for t in (USERS, ORDERS, REFUSED)
    )
    new_process()
    again = parse_many(plan_items(USERS, ORDERS, REFUSED))
    assert len(parses) == 3  # nothing parsed again
    assert again[:2] == first[:2]
    assert isinstance(again[2], TableParseError) and str(again[2]) == str(first[2])
    assert again[2].table == first[2].table
    assert entry_files() == [pack]  # a complete pack is not written again


def test_no_cache_neither_reads_nor_writes(parses: list[str]) -> None:
    disk_cache.configure(enabled=False)
    parse_many(plan_items(USERS))
    assert entry_files() == []
    disk_cache.configure(enabled=True)
    parse_many(plan_items(USERS))
    new_process()
    disk_cache.configure(enabled=False)
    parse_many(plan_items(USERS))
    assert len(parses) == 2  # the entry on disk was not read


def _corrupt(mutation: str, path: Path) -> None:
    raw = path.read_bytes()
    if mutation == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
        return
    if mutation == "truncated entry":
        path.write_bytes(raw[:-5])
        return
    if mutation == "flipped byte in the entry":
        path.write_bytes(raw[:-5] + bytes([raw[-5] ^ 0x01]) + raw[-4:])
        return
    if mutation == "flipped byte in the header":
        at = raw.index(b'"grammar"') + 3
        path.write_bytes(raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1 :])
        return
    if mutation == "empty":
        path.write_bytes(b"")
        return
    if mutation == "altered text, old digest":
        path.write_bytes(raw.replace(b"life cycle", b"life cyclX"))
        return
    if mutation == "pickle":
        import pickle

        path.write_bytes(pickle.dumps(read_pack(path)))
        return
    # The digests are recomputed: these packs verify as files, they are foreign in content.
    document, entries = read_pack(path)
    (key,) = entries
    entry = json.loads(entries[key])
    if mutation == "other planner version":
        document["planner"] = PLANNER_VERSION + "-old"
    elif mutation == "other model shape":
        document["model"] = "0" * 16
    elif mutation == "other grammar version":
        document["grammar"] = "0.0.1"
    elif mutation == "other format":
        document["format"] = "redrive-console planner cache 1"
    elif mutation == "wrong type in the model":
        entry["table"][2][0][7] = "yes"  # Column.nullable must be a bool
    elif mutation == "missing field":
        entry["table"][2][0].pop()
    elif mutation == "entry of another key":
        entry["key"] = "0" * 64
    elif mutation == "record of the wrong type":
        raw_entry = entries[key]
        digest = hashlib.sha256(raw_entry).hexdigest()
        records = {key: ["0", len(raw_entry), digest]}  # the offset must be an int
        header = json.dumps({**document, "entries": records}).encode() + b"\n"
        first = b"RCPK2 " + hashlib.sha256(header).hexdigest().encode() + b"\n"
        path.write_bytes(first + header + raw_entry)
        return
    write_pack(path, document, {key: json.dumps(entry).encode()})


MUTATIONS = [
    "truncated",
    "truncated entry",
    "flipped byte in the entry",
    "flipped byte in the header",
    "altered text, old digest",
    "empty",
    "pickle",
    "other planner version",
    "other model shape",
    "other grammar version",
    "other format",
    "wrong type in the model",
    "missing field",
    "entry of another key",
    "record of the wrong type",
]


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_pack_or_entry_that_does_not_verify_is_ignored_and_rebuilt(
    parses: list[str], mutation: str
) -> None:
    (expected,) = parse_many(plan_items(USERS))
    (path,) = entry_files()
    _corrupt(mutation, path)
    new_process()
    (rebuilt,) = parse_many(plan_items(USERS))
    assert len(parses) == 2  # parsed again, not served from the bad entry
    assert rebuilt == expected
    new_process()
    parse_many(plan_items(USERS))
    assert len(parses) == 2  # the rewritten pack is good again
    assert entry_files() == [path]


def test_an_entry_of_another_statement_is_not_trusted(parses: list[str]) -> None:
    """A valid entry filed under another key (e.g. by hand) is foreign: it names its own key."""
    parse_many(plan_items(USERS, ORDERS))
    (path,) = entry_files()
    document, entries = read_pack(path)
    entries[key_hex(ORDERS)] = entries[key_hex(USERS)]
    write_pack(path, document, entries)
    new_process()
    tables = parse_many(plan_items(USERS, ORDERS))
    assert [t.name for t in tables] == ["users", "orders"] and parses[-1] == ORDERS


def test_a_new_set_of_statements_finds_known_ones_in_older_packs(parses: list[str]) -> None:
    """A plan that changed one table reads the others from the previous plan's pack, then writes
    the pack of its own set, so the run after it reads one file again."""
    parse_many(plan_items(USERS, ORDERS))
    (older,) = entry_files()
    new_process()
    changed = ORDERS.replace("PARTITIONS 4", "PARTITIONS 8")
    parse_many(plan_items(USERS, changed))
    assert parses == [USERS, ORDERS, changed]
    newer = [p for p in entry_files() if p != older]
    assert len(newer) == 1 and set(read_pack(newer[0])[1]) == {key_hex(USERS), key_hex(changed)}
    new_process()
    parse_many(plan_items(changed))  # a set of its own: found in a pack of another set
    assert len(parses) == 3


def test_a_pack_replaced_after_its_header_was_read_is_not_misread(parses: list[str]) -> None:
    """Another process rewrote the pack between this one reading the header and the entries:
    the offsets of the old header do not apply to the new bytes."""
    parse_many(plan_items(USERS))
    (path,) = entry_files()
    new_process()
    session = disk_cache.Session([bytes.fromhex(key_hex(USERS))], parse_module.planner_stamp())
    catalog = disk_cache._catalog(parse_module.planner_stamp())
    pack = catalog.pack(path.name)
    assert pack is not None
    document, entries = read_pack(path)
    write_pack(path, {**document, "padding": "x" * 100}, entries)
    assert pack.raw(key_hex(USERS)) is None
    assert session.load(bytes.fromhex(key_hex(USERS))) is None
    session.close()


def test_the_folder_is_bounded_by_size_least_recently_used_first(parses: list[str]) -> None:
    texts = [USERS.replace("`users`", f"`users_{i}`") for i in range(6)]
    parse_many(plan_items(texts[0]))
    (one,) = entry_files()
    size = one.stat().st_size
    disk_cache.configure(limit_bytes=int(size * 4.5))
    for text in texts[1:4]:
        parse_many(plan_items(text))  # four packs: within the bound
    packs = [
        disk_cache.cache_directory() / disk_cache.pack_name([bytes.fromhex(key_hex(t))])
        for t in texts
    ]
    for age, path in enumerate(packs[:4]):
        os.utime(path, (1_000_000 + age, 1_000_000 + age))  # texts[0] oldest ... texts[3]
    new_process()
    parse_many(plan_items(texts[0]))  # a hit refreshes texts[0]: now texts[1] is the oldest
    parse_many(plan_items(texts[4]))  # fifth pack: over the bound, evict down to 80 %
    remaining = set(entry_files())
    assert packs[1] not in remaining and packs[2] not in remaining
    assert {packs[0], packs[3], packs[4]} <= remaining
    assert sum(p.stat().st_size for p in entry_files()) <= size * 4.5
    assert len(parses) == 5


def test_the_folder_is_bounded_by_its_number_of_packs(parses: list[str]) -> None:
    disk_cache.configure(max_packs=5)
    texts = [USERS.replace("`users`", f"`users_{i}`") for i in range(6)]
    for age, text in enumerate(texts):
        parse_many(plan_items(text))
        path = disk_cache.cache_directory() / disk_cache.pack_name([bytes.fromhex(key_hex(text))])
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    assert len(entry_files()) == 4  # the sixth pack evicted the two oldest (down to 80 %)
    new_process()
    parse_many(plan_items(texts[0]))
    assert len(parses) == 7  # the oldest was among them


def test_a_write_is_atomic_and_leaves_no_temporary_file(parses: list[str]) -> None:
    parse_many(plan_items(USERS, ORDERS))
    assert all(not p.name.startswith(".tmp-") for p in entry_files())
    assert len(entry_files()) == 1


def test_a_stray_temporary_file_goes_first_when_the_folder_is_full(parses: list[str]) -> None:
    parse_many(plan_items(USERS))
    (entry,) = entry_files()
    stray = entry.parent / ".tmp-killed-writer"
    stray.write_bytes(b"x" * entry.stat().st_size)
    disk_cache.configure(limit_bytes=int(entry.stat().st_size * 2.5))
    parse_many(plan_items(ORDERS))
    assert not stray.exists() and len(entry_files()) == 2


def test_entries_of_the_older_per_file_format_go_first_when_the_folder_is_full(
    parses: list[str],
) -> None:
    parse_many(plan_items(USERS))
    (pack,) = entry_files()
    old = disk_cache.cache_directory() / "ab" / ("ab" + "0" * 62)
    old.parent.mkdir()
    old.write_bytes(b"RCPC1 " + b"0" * (2 * pack.stat().st_size))
    disk_cache.configure(limit_bytes=int(pack.stat().st_size * 2.6))
    parse_many(plan_items(ORDERS))  # over the bound: the old format's file goes, not a pack
    assert not old.exists() and len(entry_files()) == 2
    new_process()
    parse_many(plan_items(USERS))
    assert parses == [USERS, ORDERS]


def test_a_diff_verdict_spares_both_parses_of_an_unchanged_table_in_a_new_run(
    parses: list[str],
) -> None:
    """A desired file written differently from the live text but planning no change: the next
    run knows that pair from disk; a live table that changed since is parsed and planned, with
    its desired file (the pack kept the pair's verdict, not the two models it covers)."""
    from services.planner import plan_schema
    from services.planner.sources import StaticSchemaSource

    written = USERS.replace("`", "").replace("\n", " ")
    desired = {"app": {"users.sql": written}}
    live = StaticSchemaSource({"app": {"users": USERS}}, Flavour.MARIADB, server_text=True)
    assert plan_schema(desired, live).changes == ()
    assert len(parses) == 2
    new_process()
    assert plan_schema(desired, live).changes == ()
    assert len(parses) == 2  # neither side parsed: the pair's verdict came from the pack
    altered = USERS.replace("  PRIMARY KEY", "  `extra` int DEFAULT NULL,\n  PRIMARY KEY")
    moved = StaticSchemaSource({"app": {"users": altered}}, Flavour.MARIADB, server_text=True)
    new_process()
    (change,) = plan_schema(desired, moved).changes
    assert change.ddl == "ALTER TABLE `users` DROP COLUMN `extra`;"
    assert parses[2:] == [written, altered]
    new_process()
    assert plan_schema(desired, moved).changes == (change,)
    assert parses[4:] == []  # a changed pair keeps both models: the next run parses nothing


def test_a_pack_keeps_the_verdicts_of_unchanged_pairs_and_the_models_of_the_others(
    parses: list[str],
) -> None:
    """The models a pair verdict covers are never encoded or written (the first plan of a big
    schema would otherwise store two models per table that no later plan of it reads)."""
    from services.planner import plan_schema
    from services.planner.sources import StaticSchemaSource

    kept_text = USERS.replace("`", "").replace("\n", " ")
    live_orders = (
        "CREATE TABLE `orders` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB"
    )
    changed_text = "CREATE TABLE orders (id int NOT NULL, note text, PRIMARY KEY (id))"
    desired = {"app": {"users.sql": kept_text, "orders.sql": changed_text}}
    live = StaticSchemaSource(
        {"app": {"users": USERS, "orders": live_orders}}, Flavour.MARIADB, server_text=True
    )
    (change,) = plan_schema(desired, live).changes
    assert change.table == "orders"
    (path,) = entry_files()
    _, entries = read_pack(path)
    kinds = sorted(next(k for k in json.loads(raw) if k != "key") for raw in entries.values())
    assert kinds == ["table", "table", "unchanged"]
    statement = {
        parse_module.statement_key((text, Flavour.MARIADB, validate, DEFAULT_LEVEL)).hex()
        for text, validate in ((changed_text, True), (live_orders, False))
    }
    tables = {key for key, raw in entries.items() if b'"table"' in raw}
    assert tables == statement


def test_the_codec_round_trips_every_model_field() -> None:
    for text in (USERS, ORDERS):
        (table,) = parse_many(plan_items(text))
        assert decode_table(json.loads(json.dumps(encode_table(table)))) == table


def test_the_cache_lives_under_xdg_cache_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(disk_cache, "_settings", disk_cache._Settings())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert disk_cache.cache_directory() == tmp_path / "redrive-console" / "planner"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored
    assert disk_cache.cache_directory() == Path.home() / ".cache" / "redrive-console" / "planner"


def _plan_args(tmp_path: Path, *extra: str) -> list[str]:
    desired, current = tmp_path / "desired", tmp_path / "current"
    for folder, text in ((desired, USERS.replace("'life cycle'", "'state'")), (current, USERS)):
        folder.mkdir(exist_ok=True)
        (folder / "users.sql").write_text(text)
    return ["plan", "--schema-dir", str(desired), "--current-dir", str(current), *extra]


def _run(tmp_path: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")},
        check=False,
    )


def _plan_cli(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return _run(tmp_path, "-m", "app", *_plan_args(tmp_path, "--namespace", "app", *extra))


def test_plan_cli_fills_the_cache_and_no_cache_leaves_it_alone(tmp_path: Path) -> None:
    folder = tmp_path / "xdg" / "redrive-console" / "planner"
    skipped = _plan_cli(tmp_path, "--no-cache")
    assert skipped.returncode == 0, skipped.stderr
    assert "ALTER TABLE" in skipped.stdout and not folder.exists()
    cached = _plan_cli(tmp_path)
    assert cached.returncode == 0 and cached.stdout == skipped.stdout
    assert len([p for p in folder.rglob("*") if p.is_file()]) == 1  # one pack
    again = _plan_cli(tmp_path)
    assert again.stdout == skipped.stdout


def test_cached_plan_from_a_snapshot_imports_neither_sqlalchemy_nor_sqlglot(tmp_path: Path) -> None:
    assert _plan_cli(tmp_path).returncode == 0  # fills the cache
    probe = (
        "import sys; from app.cli import main; code = main(sys.argv[1:]); "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlglot'}); "
        "print(code, heavy)"
    )
    run = _run(tmp_path, "-c", probe, *_plan_args(tmp_path, "--namespace", "app", "--json"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "0 []"


def test_a_warm_re_plan_parses_nothing_unchanged_whatever_the_plan_size(
    parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process cache grows to the plan: 12 tables on both sides need 24 models, more than
    the (shrunk) default holds; with the disk off, only memory can serve the re-plan."""
    from services.planner import plan_schema
    from services.planner.sources import StaticSchemaSource

    monkeypatch.setattr(parse_module, "_cache_size", 4)
    disk_cache.configure(enabled=False)
    names = [f"users_{i}" for i in range(12)]
    current = {name: USERS.replace("`users`", f"`{name}`") for name in names}
    desired = {
        f"{name}.sql": text.replace("'life cycle'", "'v2'") for name, text in current.items()
    }
    source = StaticSchemaSource({"app": current}, Flavour.MARIADB)
    first = plan_schema({"app": desired}, source)
    assert len(first.changes) == 12 and len(parses) == 24
    again = plan_schema({"app": desired}, source)
    assert again == first and len(parses) == 24
