"""A test double of SchemaBot's HTTP API: a real HTTP server on 127.0.0.1 over real storage.

It serves the five routes the console uses with upstream's JSON field names (SchemaBot's
``pkg/apitypes/apitypes.go`` and ``pkg/api/lock_handlers.go``) and decodes request bodies the
way upstream does, with unknown fields disallowed (Go matches field names case-insensitively):
an unknown field is HTTP 400 ``invalid_request``. Plans are made by the console's own planner
against the ``live`` tables the test gives; plan and apply records are written to the test's
storage database, so the console reads the new apply back through its storage.

Test controls: ``fail`` (an ``{error, error_code}`` answer), ``stall`` (hold the answer until
the double shuts down, bounded), ``reset`` (close the connection with a TCP reset), and
``engine_script`` (what the "engine" does to a new apply's storage rows, one step per progress
poll).
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from services.domain.states import APPLY_TERMINAL
from services.planner import plan_schema
from services.planner.sources import StaticSchemaSource
from services.storage import schema
from tests.storage.factories import insert_apply, insert_plan, insert_task, utcnow

STALL_LIMIT_SECONDS = 5.0

PLAN_FIELDS = frozenset(
    {"database", "environment", "type", "schema_files", "repository", "pull_request", "head_sha"}
)
SCHEMA_FILES_FIELDS = frozenset({"files"})
APPLY_FIELDS = frozenset({"plan_id", "environment", "caller", "options"})


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class EngineStep:
    """What the engine did by the next progress poll: apply/task state and copy progress."""

    apply_state: str
    task_state: str
    rows_copied: int = 0
    rows_total: int = 0
    eta_seconds: int = 0
    error_message: str | None = None


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class SchemaBotDouble:
    engine: Engine
    live: Mapping[str, Mapping[str, str]]
    database_types: Mapping[str, str]
    token: str | None = None
    requests: list[Recorded] = field(default_factory=list)
    failures: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    stalled: set[str] = field(default_factory=set)
    resets: dict[str, int] = field(default_factory=dict)
    engine_steps: dict[str, list[EngineStep]] = field(default_factory=dict)
    engine_script: list[EngineStep] = field(default_factory=list)  # for every new apply
    eta_by_apply: dict[str, int] = field(default_factory=dict)
    crashes: list[Exception] = field(default_factory=list)
    tls: tuple[Path, Path] | None = None  # (certificate, key): serve https

    def __post_init__(self) -> None:
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def fail(self, route: str, status: int, code: str, message: str) -> None:
        """Answer the next request to ``route`` (``"POST /api/plan"``) with an error body."""
        self.failures[route] = (status, code, message)

    def shutdown(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=STALL_LIMIT_SECONDS)

    def routed(self, route: str) -> list[Recorded]:
        method, path = route.split(" ", 1)
        return [r for r in self.requests if r.method == method and r.path == path]

    # -- routes --------------------------------------------------------------------------

    def handle(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/api/plan":
            return 200, self._plan(body)
        if method == "POST" and path == "/api/apply":
            return 200, self._apply(body)
        if method == "GET" and path.startswith("/api/progress/apply/"):
            return 200, self._progress(path.removeprefix("/api/progress/apply/"))
        if method == "GET" and path == "/api/status":
            return 200, self._status()
        if method == "GET" and path == "/api/locks":
            return 200, self._locks()
        raise _Refusal(404, "", f"404 page not found: {method} {path}")

    def _plan(self, body: Any) -> dict[str, Any]:
        request = _strict(body, PLAN_FIELDS)
        database = _required(request, "database")
        environment = _required(request, "environment")
        declared = _required(request, "type")
        configured = self.database_types.get(database)
        if configured is None:
            raise _Refusal(400, "invalid_request", f"database {database!r} is not configured")
        if declared != configured:
            raise _Refusal(
                400,
                "invalid_request",
                f"database {database!r} type {declared!r} "
                f"does not match server config type {configured!r}",
            )
        files_by_ns = request.get("schema_files")
        if not isinstance(files_by_ns, dict) or not files_by_ns:
            raise _Refusal(400, "invalid_request", "schema_files is required")
        desired = {
            ns: _strict(entry, SCHEMA_FILES_FIELDS).get("files") or {}
            for ns, entry in files_by_ns.items()
        }
        result = plan_schema(desired, StaticSchemaSource(self.live))
        grouped: dict[str, list[dict[str, Any]]] = {}
        for change in result.changes:
            grouped.setdefault(change.namespace, []).append(
                {
                    "table_name": change.table,
                    "namespace": change.namespace,
                    "ddl": change.ddl,
                    "change_type": change.operation,
                    "is_unsafe": change.is_unsafe,
                    "unsafe_reason": change.unsafe_reason,
                }
            )
        plan_id = f"plan-{uuid.uuid4().hex[:16]}"
        with self.engine.begin() as conn:
            insert_plan(
                conn,
                plan_identifier=plan_id,
                database_name=database,
                database_type=configured,
                deployment="default",
                target=database,
                repository=request.get("repository", ""),
                pull_request=request.get("pull_request") or 0,
                schema_path="",
                environment=environment,
                schema_files={ns: {"Files": files} for ns, files in desired.items()},
                plan_data={
                    ns: {
                        "tables": [
                            {
                                "table": c["table_name"],
                                "ddl": c["ddl"],
                                "operation": c["change_type"],
                            }
                            for c in changes
                        ]
                    }
                    for ns, changes in grouped.items()
                },
                head_sha=request.get("head_sha") or "",
            )
        return {
            "plan_id": plan_id,
            "database": database,
            "database_type": configured,
            "environment": environment,
            "deployment": "default",
            "engine": "spirit",
            "changes": [{"namespace": ns, "table_changes": c} for ns, c in grouped.items()],
            "lint_violations": [],
            "errors": [],
        }

    def _apply(self, body: Any) -> dict[str, Any]:
        request = _strict(body, APPLY_FIELDS)
        plan_id = _required(request, "plan_id")
        environment = _required(request, "environment")
        p, a = schema.plans.c, schema.applies.c
        with self.engine.begin() as conn:
            plan = conn.execute(select(schema.plans).where(p.plan_identifier == plan_id)).first()
            if plan is None:
                raise _Refusal(404, "not_found", f"plan {plan_id} not found")
            if plan.environment != environment:
                raise _Refusal(400, "invalid_request", f"plan {plan_id} is for {plan.environment}")
            states = conn.execute(
                select(a.apply_identifier, a.state).where(
                    a.database_name == plan.database_name, a.environment == environment
                )
            ).all()
            active = [ident for ident, state in states if state not in APPLY_TERMINAL]
            if active:
                raise _Refusal(
                    409,
                    "active_apply_exists",
                    f"apply {active[0]} is already active for {plan.database_name}",
                )
            identifier = f"apply-{uuid.uuid4().hex[:16]}"
            now = utcnow()
            apply_id = insert_apply(
                conn,
                plan_id=plan.id,
                apply_identifier=identifier,
                database_name=plan.database_name,
                database_type=plan.database_type,
                repository=plan.repository,
                pull_request=plan.pull_request,
                environment=environment,
                deployment=plan.deployment,
                caller=request.get("caller", ""),
                state="pending",
                error_message=None,
                attempt=0,
                started_at=None,
                completed_at=None,
                created_at=now,
                updated_at=now,
            )
            for namespace, entry in plan.plan_data.items():
                for change in entry["tables"]:
                    insert_task(
                        conn,
                        apply_id,
                        namespace=namespace,
                        table_name=change["table"],
                        ddl=change["ddl"],
                        ddl_action=change["operation"],
                        state="pending",
                        started_at=None,
                        completed_at=None,
                        created_at=now,
                        updated_at=now,
                    )
        self.engine_steps[identifier] = list(self.engine_script)
        return {"accepted": True, "apply_id": identifier}

    def _progress(self, identifier: str) -> dict[str, Any]:
        a, t = schema.applies.c, schema.tasks.c
        with self.engine.begin() as conn:
            apply = conn.execute(
                select(schema.applies).where(a.apply_identifier == identifier)
            ).first()
            if apply is None:
                raise _Refusal(404, "not_found", f"apply {identifier} not found")
            steps = self.engine_steps.get(identifier)
            if steps:
                self._run_step(conn, apply.id, identifier, steps.pop(0))
                apply = conn.execute(select(schema.applies).where(a.id == apply.id)).one()
            # Only the columns both storage generations have (G2 has no ready_to_complete).
            progress_columns = (t.table_name, t.ddl, t.state, t.rows_copied, t.rows_total,
                                t.progress_percent)  # fmt: skip
            tasks = conn.execute(select(*progress_columns).where(t.apply_id == apply.id)).all()
        eta = self.eta_by_apply.get(identifier, 0)
        return {
            "state": apply.state,
            "engine": apply.engine,
            "apply_id": identifier,
            "database": apply.database_name,
            "environment": apply.environment,
            "caller": apply.caller,
            "started_at": _iso(apply.started_at),
            "completed_at": _iso(apply.completed_at),
            "tables": [
                {
                    "table_name": task.table_name,
                    "ddl": task.ddl,
                    "status": task.state,
                    "rows_copied": task.rows_copied or 0,
                    "rows_total": task.rows_total or 0,
                    "percent_complete": task.progress_percent or 0,
                    "eta_seconds": eta,
                }
                for task in tasks
            ],
            "error_message": apply.error_message or "",
        }

    def _run_step(self, conn: Any, apply_id: int, identifier: str, step: EngineStep) -> None:
        now = utcnow()
        terminal = step.apply_state in APPLY_TERMINAL
        percent = step.rows_copied * 100 // step.rows_total if step.rows_total else 0
        conn.execute(
            update(schema.applies)
            .where(schema.applies.c.id == apply_id)
            .values(
                state=step.apply_state,
                error_message=step.error_message,
                updated_at=now,
                started_at=now,
                completed_at=now if terminal else None,
            )
        )
        conn.execute(
            update(schema.tasks)
            .where(schema.tasks.c.apply_id == apply_id)
            .values(
                state=step.task_state,
                rows_copied=step.rows_copied,
                rows_total=step.rows_total,
                progress_percent=percent,
                error_message=step.error_message,
                updated_at=now,
            )
        )
        self.eta_by_apply[identifier] = step.eta_seconds

    def _status(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.applies).order_by(schema.applies.c.id)).all()
        active = [r for r in rows if r.state not in APPLY_TERMINAL]
        return {
            "active_count": len(active),
            "applies": [
                {
                    "apply_id": r.apply_identifier,
                    "database": r.database_name,
                    "environment": r.environment,
                    "state": r.state,
                    "engine": r.engine,
                    "caller": r.caller,
                    "updated_at": _iso(r.updated_at),
                }
                for r in active
            ],
        }

    def _locks(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.locks).order_by(schema.locks.c.id)).all()
        return {
            "locks": [
                {
                    "database": r.database_name,
                    "database_type": r.database_type,
                    "owner": r.owner,
                    "repository": r.repository,
                    "pull_request": r.pull_request,
                    "created_at": _iso(r.created_at),
                }
                for r in rows
            ]
        }


def _handler_for(double: SchemaBotDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            route = f"{method} {self.path}"
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                body = raw.decode("utf-8", "replace")
            double.requests.append(Recorded(method, self.path, dict(self.headers), body))
            if double.resets.get(route, 0) > 0:
                double.resets[route] -= 1
                self._reset()
                return
            if route in double.stalled:
                double._released.wait(STALL_LIMIT_SECONDS)
            try:
                status, document = self._answer(method, route, body)
            except _Refusal as refusal:
                status = refusal.status
                document = {"error": refusal.message, "error_code": refusal.code}
            except Exception as exc:  # a bug in the double: answer, and let the test see it
                double.crashes.append(exc)
                status, document = 500, {"error": f"double crashed: {exc!r}", "error_code": ""}
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _answer(self, method: str, route: str, body: Any) -> tuple[int, dict[str, Any]]:
            expected = f"Bearer {double.token}"
            if double.token is not None and self.headers.get("Authorization") != expected:
                raise _Refusal(401, "", "unauthorized")
            injected = double.failures.pop(route, None)
            if injected is not None:
                raise _Refusal(*injected)
            return double.handle(method, self.path, body)

        def _reset(self) -> None:
            linger_zero = struct.pack("ii", 1, 0)  # close() now sends a TCP reset
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
            self.close_connection = True
            self.connection.close()

    return Handler


def _strict(body: Any, known: frozenset[str]) -> dict[str, Any]:
    """Decode like Go's ``DisallowUnknownFields``: names match case-insensitively."""
    if not isinstance(body, dict):
        raise _Refusal(400, "invalid_request", "invalid request body")
    decoded: dict[str, Any] = {}
    for key, value in body.items():
        name = next((k for k in known if k.lower() == key.lower()), None)
        if name is None:
            raise _Refusal(
                400, "invalid_request", f'invalid request body: json: unknown field "{key}"'
            )
        decoded[name] = value
    return decoded


def _required(request: Mapping[str, Any], key: str) -> str:
    value = request.get(key)
    if not isinstance(value, str) or not value:
        raise _Refusal(400, "invalid_request", f"{key} is required")
    return value


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""
