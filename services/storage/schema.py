"""SQLAlchemy Core definitions of SchemaBot's storage tables, as SchemaBot creates them.

Column for column compatible with SchemaBot's MySQL schema; the same definitions create a
working SQLite database for the embedded demo. ``updated_at`` columns carry
``ON UPDATE CURRENT_TIMESTAMP`` on MySQL/MariaDB; writers still set them explicitly so that
SQLite behaves the same.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn, CreateIndex

metadata = MetaData()

# SchemaBot's table options on MySQL/MariaDB. ``storage init`` sets them (with the server's
# collation) on its copy of the tables: as ``mysql_engine=`` arguments of ``Table`` they would
# load SQLAlchemy's MySQL dialect whenever the tables are defined.
MYSQL_TABLE_OPTIONS = {"engine": "InnoDB", "charset": "utf8mb4"}


class UnsignedBigInteger(BigInteger):
    """``BIGINT UNSIGNED`` on MySQL/MariaDB, plain ``BIGINT`` elsewhere.

    These column types render their MySQL spelling through ``@compiles`` rather than being
    ``mysql.BIGINT(unsigned=True)`` variants, so that defining the tables does not import
    SQLAlchemy's MySQL dialect: the first screen on SQLite or PostgreSQL storage never needs it.
    """

    mysql_ddl = "BIGINT UNSIGNED"


class UnsignedInteger(Integer):
    """``INT UNSIGNED`` on MySQL/MariaDB, plain ``INTEGER`` elsewhere."""

    mysql_ddl = "INTEGER UNSIGNED"


class TinyFlag(SmallInteger):
    """``TINYINT(1)`` on MySQL/MariaDB (SchemaBot's booleans), ``SMALLINT`` elsewhere."""

    mysql_ddl = "TINYINT(1)"


@compiles(UnsignedBigInteger, "mysql", "mariadb")
@compiles(UnsignedInteger, "mysql", "mariadb")
@compiles(TinyFlag, "mysql", "mariadb")
def _mysql_type(type_: UnsignedBigInteger | UnsignedInteger | TinyFlag, compiler, **kw) -> str:
    return type_.mysql_ddl


PK = UnsignedBigInteger().with_variant(Integer(), "sqlite")
UBIGINT = UnsignedBigInteger()
UINT = UnsignedInteger()
TINYINT1 = TinyFlag()
JSONCOL = JSON()  # SQLAlchemy's MySQL dialect maps the generic JSON type to its own
NOW = text("CURRENT_TIMESTAMP")


def _created_at() -> Column:
    return Column("created_at", DateTime, nullable=False, server_default=NOW)


def _updated_at() -> Column:
    return Column(
        "updated_at", DateTime, nullable=False, server_default=NOW, info={"on_update_now": True}
    )


@compiles(CreateColumn, "mysql")
@compiles(CreateColumn, "mariadb")
def _mysql_on_update(element: CreateColumn, compiler, **kw) -> str:
    """Render ``ON UPDATE CURRENT_TIMESTAMP`` for the heartbeat columns on MySQL/MariaDB."""
    ddl = compiler.visit_create_column(element, **kw)
    if element.element.info.get("on_update_now"):
        ddl += " ON UPDATE CURRENT_TIMESTAMP"
    return ddl


@compiles(CreateIndex, "sqlite")
def _sqlite_index_name(element: CreateIndex, compiler, **kw) -> str:
    """SQLite index names are database-wide; SchemaBot reuses names across tables."""
    index = element.element
    columns = ", ".join(compiler.preparer.quote(c.name) for c in index.columns)
    unique = "UNIQUE " if index.unique else ""
    name = compiler.preparer.quote(f"{index.table.name}__{index.name}")
    table = compiler.preparer.format_table(index.table)
    return f"CREATE {unique}INDEX {name} ON {table} ({columns})"


applies = Table(
    "applies",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("apply_identifier", String(255), nullable=False),
    Column("lock_id", UBIGINT, nullable=False),
    Column("plan_id", UBIGINT, nullable=False),
    Column("database_name", String(255), nullable=False),
    Column("database_type", String(50), nullable=False),
    Column("repository", String(255), nullable=False),
    Column("pull_request", UINT, nullable=False),
    Column("environment", String(50), nullable=False),
    Column("deployment", String(255), nullable=False, server_default=text("''")),
    Column("caller", String(255), nullable=False, server_default=text("''")),
    Column("installation_id", BigInteger, nullable=False, server_default=text("0")),
    Column("external_id", String(255), nullable=False, server_default=text("''")),
    Column("idempotency_key", String(255), nullable=True),
    Column("engine", String(50), nullable=False),
    Column("state", String(100), nullable=False),
    Column("error_message", Text, nullable=True),
    Column("options", JSONCOL, nullable=False),
    Column("attempt", Integer, nullable=False, server_default=text("0")),
    Column("lease_owner", String(255), nullable=False, server_default=text("''")),
    Column("lease_token", String(64), nullable=False, server_default=text("''")),
    Column("lease_acquired_at", DateTime, nullable=True),
    Column("started_at", DateTime, nullable=True),
    Column("completed_at", DateTime, nullable=True),
    Column("revert_skipped_at", DateTime, nullable=True),
    _created_at(),
    _updated_at(),
    UniqueConstraint("apply_identifier", name="idx_apply_identifier"),
    UniqueConstraint("idempotency_key", name="idx_idempotency_key"),
    Index("idx_lock_id", "lock_id"),
    Index("idx_plan_id", "plan_id"),
    Index("idx_database_env", "database_name", "database_type", "environment"),
    Index(
        "idx_database_env_deployment",
        "database_name",
        "database_type",
        "environment",
        "deployment",
    ),
    Index("idx_repo_pr", "repository", "pull_request"),
    Index("idx_created_id", "created_at", "id"),
    Index("idx_environment_created_id", "environment", "created_at", "id"),
    Index("idx_state_created_id", "state", "created_at", "id"),
    Index("idx_environment_state_created_id", "environment", "state", "created_at", "id"),
    Index("idx_completed_at_state", "completed_at", "state"),
)

plans = Table(
    "plans",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("plan_identifier", String(255), nullable=False),
    Column("database_name", String(255), nullable=False),
    Column("database_type", String(50), nullable=False),
    Column("deployment", String(255), nullable=False, server_default=text("''")),
    Column("target", String(255), nullable=False, server_default=text("''")),
    Column("repository", String(255), nullable=False),
    Column("pull_request", UINT, nullable=False),
    Column("schema_path", String(1024), nullable=False, server_default=text("''")),
    Column("environment", String(50), nullable=False, server_default=text("''")),
    Column("schema_files", JSONCOL, nullable=False),
    Column("plan_data", JSONCOL, nullable=False),
    Column("head_sha", String(64), nullable=False, server_default=text("''")),
    _created_at(),
    UniqueConstraint("plan_identifier", name="idx_plan_identifier"),
    Index("idx_repo_pr", "repository", "pull_request"),
    Index("idx_database_env", "database_name", "database_type", "environment"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("task_identifier", String(255), nullable=False),
    Column("apply_id", UBIGINT, nullable=False),
    Column("apply_operation_id", UBIGINT, nullable=True),
    Column("plan_id", UBIGINT, nullable=False),
    Column("database_name", String(255), nullable=False),
    Column("database_type", String(50), nullable=False),
    Column("namespace", String(255), nullable=False, server_default=text("''")),
    Column("table_name", String(255), nullable=True),
    Column("shard", String(255), nullable=False, server_default=text("''")),
    Column("ddl", Text, nullable=True),
    Column("ddl_action", String(50), nullable=True),
    Column("engine", String(50), nullable=False),
    Column("repository", String(255), nullable=False),
    Column("pull_request", UINT, nullable=False),
    Column("environment", String(50), nullable=False),
    Column("state", String(100), nullable=False),
    Column("error_message", Text, nullable=True),
    Column("options", JSONCOL, nullable=True),
    Column("attempt", Integer, nullable=False, server_default=text("0")),
    Column("rows_copied", BigInteger, nullable=True, server_default=text("0")),
    Column("rows_total", BigInteger, nullable=True, server_default=text("0")),
    Column("progress_percent", Integer, nullable=True, server_default=text("0")),
    Column("eta_seconds", Integer, nullable=True),
    Column("checksum_rows_checked", BigInteger, nullable=True, server_default=text("0")),
    Column("checksum_rows_total", BigInteger, nullable=True, server_default=text("0")),
    Column("cutover_attempts", Integer, nullable=False, server_default=text("0")),
    Column("is_instant", TINYINT1, nullable=True, server_default=text("0")),
    Column("ready_to_complete", TINYINT1, nullable=True, server_default=text("0")),
    Column("engine_migration_id", String(255), nullable=True),
    Column("started_at", DateTime, nullable=True),
    Column("completed_at", DateTime, nullable=True),
    _created_at(),
    _updated_at(),
    UniqueConstraint("task_identifier", name="idx_task_identifier"),
    Index("idx_apply_id", "apply_id"),
    Index("idx_apply_operation_id", "apply_operation_id"),
    Index("idx_database", "database_name"),
    Index("idx_repo_pr", "repository", "pull_request"),
    Index("idx_state", "state"),
)

apply_operations = Table(
    "apply_operations",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("apply_id", UBIGINT, nullable=False),
    Column("deployment", String(255), nullable=False),
    Column("operation_key", String(255), nullable=False, server_default=text("''")),
    Column("operation_kind", String(32), nullable=False, server_default=text("'work'")),
    Column("target", String(255), nullable=False, server_default=text("''")),
    Column("external_id", String(255), nullable=True),
    Column("external_operation_id", String(255), nullable=True),
    Column("engine_resume_context", String(255), nullable=True),
    Column("engine_resume_metadata", JSONCOL, nullable=True),
    Column("state", String(100), nullable=False, server_default=text("'pending'")),
    Column("error_message", Text, nullable=True),
    Column("cutover_policy", String(16), nullable=False, server_default=text("'rolling'")),
    Column("on_failure", String(16), nullable=False, server_default=text("'halt'")),
    Column("attempt", Integer, nullable=False, server_default=text("0")),
    Column("lease_owner", String(255), nullable=False, server_default=text("''")),
    Column("lease_token", String(64), nullable=False, server_default=text("''")),
    Column("lease_acquired_at", DateTime, nullable=True),
    Column("started_at", DateTime, nullable=True),
    Column("completed_at", DateTime, nullable=True),
    _created_at(),
    _updated_at(),
    UniqueConstraint("apply_id", "deployment", "operation_key", name="idx_apply_operation"),
    Index("idx_deployment_state", "deployment", "state"),
    Index("idx_state_created_id", "state", "created_at", "id"),
    Index("idx_apply_created_id", "apply_id", "created_at", "id"),
)

locks = Table(
    "locks",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("database_name", String(255), nullable=False),
    Column("database_type", String(50), nullable=False),
    Column("repository", String(255), nullable=False),
    Column("pull_request", UINT, nullable=False),
    Column("owner", String(255), nullable=False),
    Column("pending_plan_id", String(255), nullable=False, server_default=text("''")),
    _created_at(),
    _updated_at(),
    UniqueConstraint("database_name", "database_type", name="idx_database"),
    Index("idx_repo_pr", "repository", "pull_request"),
)

apply_logs = Table(
    "apply_logs",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("apply_id", UBIGINT, nullable=False),
    Column("task_id", UBIGINT, nullable=True),
    Column("level", String(20), nullable=False, server_default=text("'info'")),
    Column("event_type", String(100), nullable=False),
    Column("source", String(100), nullable=False, server_default=text("'schemabot'")),
    Column("message", Text, nullable=False),
    Column("old_state", String(100), nullable=True),
    Column("new_state", String(100), nullable=True),
    Column("metadata", JSONCOL, nullable=True),
    _created_at(),
    Index("idx_apply_created", "apply_id", "created_at"),
    Index("idx_task_id", "task_id"),
    Index("idx_level", "level"),
    Index("idx_event_type", "event_type"),
)

apply_control_requests = Table(
    "apply_control_requests",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("apply_id", UBIGINT, nullable=False),
    Column("operation", String(50), nullable=False),
    Column("status", String(50), nullable=False),
    Column("requested_by", String(255), nullable=False, server_default=text("''")),
    Column("error_message", Text, nullable=True),
    Column("metadata", JSONCOL, nullable=False),
    Column("completed_at", DateTime, nullable=True),
    _created_at(),
    _updated_at(),
    UniqueConstraint("apply_id", "operation", name="idx_apply_control_request_apply_operation"),
    Index("idx_apply_control_request_status", "status", "created_at"),
)

apply_target_locks = Table(
    "apply_target_locks",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("database_name", String(255), nullable=False),
    Column("database_type", String(50), nullable=False),
    Column("environment", String(50), nullable=False),
    Column("deployment", String(255), nullable=False, server_default=text("''")),
    _created_at(),
    _updated_at(),
    UniqueConstraint("database_name", "database_type", "environment", name="idx_apply_target"),
    UniqueConstraint(
        "database_name", "database_type", "environment", "deployment", name="idx_apply_target_v2"
    ),
)
