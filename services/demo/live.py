"""The demo on a live MySQL/MariaDB server (``redrive-console demo --live-target URL``).

The scenarios with a ``live`` seed (the duplicate-key and the lock-wait failure) move from a
snapshot folder to a real database on that server, so their pre-flight reads real rows. Each
gets ``<prefix><database>`` (the prefix is the URL's database name plus ``_``, else
``redrive_demo_``), created from the scenario's live schema with its rows and, where its story
has one, Spirit's shadow table and checkpoint. The demo writes nowhere else on the server: a
database is replaced only when it holds the demo's marker table (``_redrive_console_demo``; the
planner skips ``_`` tables, as it skips Spirit's), and any other database of that name is
refused untouched.

MariaDB has no ``utf8mb4_0900_ai_ci`` (MySQL 8's default collation, which the data set's texts
name), so on MariaDB those scenarios are spelled without it throughout — stored plan, desired
files and live tables alike — and the server's default utf8mb4 collation applies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from services.demo.ddl import Table
from services.demo.scenarios import ApplySpec, LiveSeed
from services.domain.errors import RedriveConsoleError
from services.domain.models import TableChange
from services.planner.lexer import quote_identifier
from services.preflight.spirit_names import checkpoint_table_name, new_table_name

MARKER_TABLE = "_redrive_console_demo"
DEFAULT_PREFIX = "redrive_demo_"
MYSQL8_COLLATION = " COLLATE=utf8mb4_0900_ai_ci"
CHUNK_SIZE = 1000
# Spirit's checkpoint table (pkg/checkpoint), as the pre-flight's resume check reads it.
CHECKPOINT_COLUMNS = (
    "id int NOT NULL AUTO_INCREMENT PRIMARY KEY, copier_watermark TEXT, checksum_watermark TEXT,"
    " binlog_position TEXT, statement TEXT, original_table_name VARCHAR(64) NOT NULL DEFAULT '',"
    " move_phase VARCHAR(32) NOT NULL DEFAULT '', cutover_at TEXT,"
    " created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP"
)


class LiveDemoError(RedriveConsoleError):
    """The live demo server cannot be used (unreachable, or a database name is taken)."""


@dataclass(frozen=True, slots=True)
class LiveServer:
    """The server the live scenarios' databases are written to."""

    url: URL  # without a database
    prefix: str
    version: str

    @property
    def mariadb(self) -> bool:
        return "mariadb" in self.version.lower()

    def database_for(self, spec: ApplySpec) -> str:
        return f"{self.prefix}{spec.database}"

    def dsn_for(self, spec: ApplySpec) -> str:
        """The scenario's DSN for the demo config (as given: with its password, if any)."""
        return self.url.set(database=self.database_for(spec)).render_as_string(hide_password=False)

    def engine(self, database: str | None = None) -> Engine:
        url = self.url.set(database=database) if database else self.url
        return create_engine(url, poolclass=NullPool, connect_args={"charset": "utf8mb4"})


def open_live_server(url: str) -> LiveServer:
    """The server of ``url`` (a SQLAlchemy URL; ``mysql://`` means PyMySQL, the driver this
    console ships with), its version read; ``LiveDemoError`` if it cannot be reached."""
    parsed = make_url(url)
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=f"{parsed.drivername}+pymysql")
    server = LiveServer(parsed.set(database=""), _prefix(parsed.database), "")
    engine = server.engine()
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SELECT VERSION()")).scalar_one())
    except SQLAlchemyError as exc:
        raise LiveDemoError(f"cannot reach the live demo server: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    return replace(server, version=version)


def spelled_for(server: LiveServer, spec: ApplySpec) -> ApplySpec:
    """``spec`` with its CREATE TABLE texts as ``server`` accepts them (see the docstring)."""
    if not server.mariadb:
        return spec

    def fix(value: str | None) -> str | None:
        return value.replace(MYSQL8_COLLATION, "") if value is not None else None

    namespaces = {
        name: tuple(Table(t.name, fix(t.before), fix(t.after) or "") for t in tables)
        for name, tables in spec.namespaces.items()
    }
    drift = {key: fix(value) or "" for key, value in spec.drift.items()}
    return replace(spec, namespaces=namespaces, drift=drift)


def check_replaceable(server: LiveServer, specs: Sequence[ApplySpec]) -> None:
    """Refuse, before anything is written, a scenario database that is not the demo's own."""
    engine = server.engine()
    try:
        with engine.connect() as conn:
            for spec in specs:
                name = server.database_for(spec)
                if _exists(conn, name) and not _is_demo(conn, name):
                    raise LiveDemoError(
                        f"database {name} exists on the live demo server and was not written "
                        "by redrive-console demo; choose another prefix (the URL's database "
                        "name)"
                    )
    finally:
        engine.dispose()


def seed_live_database(
    server: LiveServer,
    spec: ApplySpec,
    schema: Mapping[str, Mapping[str, str]],
    changes: Sequence[TableChange],
    failed_at: datetime,
) -> str:
    """(Re)create the scenario's database: its live tables, rows and Spirit's leftovers."""
    seed = spec.live
    if seed is None or len(schema) != 1:
        raise LiveDemoError(f"demo scenario {spec.key}: a live database holds one namespace")
    name = server.database_for(spec)
    quoted = quote_identifier(name)
    admin, engine = server.engine(), server.engine(name)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
            conn.execute(text(f"CREATE DATABASE {quoted} CHARACTER SET utf8mb4"))
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE {quote_identifier(MARKER_TABLE)} (id int)"))
            for create in next(iter(schema.values())).values():
                conn.execute(text(create))
            _insert_rows(conn, seed)
            if seed.checkpoint:
                _spirit_checkpoint(conn, spec, seed, changes, failed_at)
    except SQLAlchemyError as exc:
        raise LiveDemoError(f"cannot write database {name}: {_first_line(exc)}") from None
    finally:
        admin.dispose()
        engine.dispose()
    return name


def _first_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]


def _prefix(database: str | None) -> str:
    return f"{database}_" if database else DEFAULT_PREFIX


def _exists(conn, name: str) -> bool:
    found = conn.execute(
        text("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :n"), {"n": name}
    )
    return found.first() is not None


def _is_demo(conn, name: str) -> bool:
    found = conn.execute(
        text("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = :s AND TABLE_NAME = :t"),
        {"s": name, "t": MARKER_TABLE},
    )
    return found.first() is not None


def _insert_rows(conn, seed: LiveSeed) -> None:
    if not seed.rows:
        return
    columns = ", ".join(quote_identifier(c) for c in seed.columns)
    values = ", ".join(f":c{i}" for i in range(len(seed.columns)))
    conn.execute(
        text(f"INSERT INTO {quote_identifier(seed.table)} ({columns}) VALUES ({values})"),
        [{f"c{i}": v for i, v in enumerate(row)} for row in seed.rows],
    )


def _spirit_checkpoint(
    conn, spec: ApplySpec, seed: LiveSeed, changes: Sequence[TableChange], failed_at: datetime
) -> None:
    """What the interrupted copy left: the shadow table filled up to the failed task's
    progress, and a checkpoint of the stored statement written just before the failure."""
    (task,) = [t for t in spec.tasks if t.state == "failed" and t.table == seed.table]
    (change,) = [c for c in changes if c.table == seed.table]
    (after,) = [t.after for ts in spec.namespaces.values() for t in ts if t.name == seed.table]
    table, shadow = quote_identifier(seed.table), quote_identifier(new_table_name(seed.table))
    conn.execute(text(after.replace(f"CREATE TABLE {table}", f"CREATE TABLE {shadow}", 1)))
    bound = len(seed.rows) * task.progress // 100 + 1  # rows keep ids 1..N: N·p% rows below
    columns = ", ".join(quote_identifier(c) for c in ("id", *seed.columns))
    conn.execute(
        text(f"INSERT INTO {shadow} ({columns}) SELECT {columns} FROM {table} WHERE id < :b"),
        {"b": bound},
    )
    watermark = {
        "Key": ["id"],
        "ChunkSize": CHUNK_SIZE,
        "LowerBound": {"Value": [str(bound)], "Inclusive": True},
        "UpperBound": {"Value": [str(bound + CHUNK_SIZE)], "Inclusive": False},
    }
    checkpoint = quote_identifier(checkpoint_table_name(seed.table))
    conn.execute(text(f"CREATE TABLE {checkpoint} ({CHECKPOINT_COLUMNS})"))
    conn.execute(
        text(
            f"INSERT INTO {checkpoint} (copier_watermark, checksum_watermark, binlog_position,"
            " statement, original_table_name, created_at)"
            " VALUES (:w, '', 'binlog.000412:88231', :s, :t, :c)"
        ),
        {
            "w": json.dumps(watermark),
            "s": change.ddl,
            "t": seed.table,
            "c": failed_at - timedelta(seconds=30),
        },
    )
