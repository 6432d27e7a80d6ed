"""The demo data set: one apply per path through the product, told as a realistic incident.

Every failed apply names the verdict a review must reach (``expect``) and, where it tells the
pre-flight's story, the pre-flight verdict (``preflight``); the demo tests hold the redrive
service to both. By default the demo's targets are schema snapshot folders, which hold no data:
the duplicate-key failure (``lock_held``) is then ``unknown`` ("no live target"), while the
lock-wait failure (``redrivable``) is ``likely_to_succeed`` from its cause alone. Built on a
live MySQL/MariaDB server (``demo --live-target``), those two scenarios get a real database
holding their ``live`` rows (``services.demo.live``): the duplicate email is still there, so the
pre-flight proves ``will_fail_again``, and the lock-wait copy left Spirit's checkpoint, so it is
``likely_to_succeed`` and resumes (``LiveSeed.verdict``). Times are offsets before the demo's
``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from services.demo import ddl
from services.demo.ddl import Table

LOCK_WAIT = "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction"
BUDGET_SPENT = "retry budget exhausted after 10 attempts: "


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One task row: the table it changes, its state, and on which deployment it ran."""

    namespace: str
    table: str
    state: str
    error: str | None = None
    progress: int = 100
    deployment: str | None = None  # None: the apply's own deployment


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One ``apply_operations`` row (legacy key ``''``: one operation per deployment)."""

    deployment: str
    state: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class LiveSeed:
    """What the scenario's database holds on a live demo server besides its schema.

    ``rows`` go into ``table`` (``columns``, the rest take their defaults); with ``checkpoint``
    the failed task's copy left Spirit's shadow table and checkpoint at the task's progress.
    ``verdict`` is the pre-flight verdict a review there reaches.
    """

    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    verdict: str
    checkpoint: bool = False


@dataclass(frozen=True, slots=True)
class ApplySpec:
    """One apply with its plan, tasks, operations and the live schema it leaves behind."""

    key: str
    expect: str
    story: str
    database: str
    environment: str
    repository: str
    pull_request: int
    caller: str
    namespaces: Mapping[str, tuple[Table, ...]]
    tasks: tuple[TaskSpec, ...]
    state: str
    ended_ago: timedelta | None
    ran_for: timedelta
    error: str | None = None
    attempt: int = 0
    operations: tuple[OperationSpec, ...] = ()
    deployment: str = ""  # "" : local mode, the database name
    target: str = ""
    drift: Mapping[tuple[str, str], str] = field(default_factory=dict)
    lock_owner: str | None = None
    control_requests: tuple[tuple[str, str, str], ...] = ()  # (operation, status, metadata)
    snapshot: bool = True
    options: Mapping[str, object] = field(default_factory=dict)
    preflight: str = ""  # the pre-flight verdict its review shows ("": not part of its story)
    live: LiveSeed | None = None  # its database on a live demo server (None: snapshot only)

    @property
    def primary_deployment(self) -> str:
        return self.deployment or self.database

    @property
    def primary_target(self) -> str:
        return self.target or self.database


HOURS = timedelta(hours=1)
MINUTES = timedelta(minutes=1)
DUPLICATE_EMAIL = "ops@acme.example"

# 2,400 payment intents; the lock wait stopped the copy at 63%.
PAYMENT_ROWS = tuple(
    (1000 + n % 40, 500 + (n * 7919) % 250_000, "USD", "succeeded") for n in range(1, 2401)
)
# 1,200 users, two of them still sharing the on-call address (an SSO import made the second).
USER_ROWS = (
    *((f"user{n}@acme.example", f"User {n}") for n in range(1, 1201)),
    (DUPLICATE_EMAIL, "Ops on-call"),
    (DUPLICATE_EMAIL, "Ops on-call (SSO import)"),
)

SCENARIOS: tuple[ApplySpec, ...] = (
    ApplySpec(
        key="redrivable",
        expect="match",
        story="Lock wait timeouts during a busy hour spent the retry budget; the live schema "
        "still matches the remaining work.",
        database="payments",
        environment="production",
        repository="block/payments-schema",
        pull_request=1312,
        caller="block/payments-schema#1312",
        namespaces={"payments": (ddl.LEDGER_ENTRIES, ddl.PAYMENT_INTENTS, ddl.REFUNDS)},
        tasks=(
            TaskSpec("payments", "ledger_entries", "completed"),
            TaskSpec(
                "payments",
                "payment_intents",
                "failed",
                f"spirit: copy rows: {LOCK_WAIT}",
                progress=63,
            ),
        ),
        operations=(OperationSpec("payments", "failed", f"copy rows: {LOCK_WAIT}"),),
        state="failed",
        error=BUDGET_SPENT + f"task payment_intents: copy rows: {LOCK_WAIT}",
        attempt=10,
        ended_ago=35 * MINUTES,
        ran_for=3 * HOURS,
        preflight="likely_to_succeed",
        live=LiveSeed(
            "payment_intents",
            ("merchant_id", "amount_cents", "currency", "status"),
            PAYMENT_ROWS,
            "likely_to_succeed",
            checkpoint=True,
        ),
    ),
    ApplySpec(
        key="drift",
        expect="mismatch",
        story="A checksum mismatch stopped the copy; during the incident a DBA added the new "
        "index by hand, so the live schema no longer matches the stored plan.",
        database="inventory",
        environment="staging",
        repository="block/inventory-service",
        pull_request=877,
        caller="block/inventory-service#877",
        namespaces={"inventory": (ddl.STOCK_LEVELS, ddl.WAREHOUSES)},
        tasks=(
            TaskSpec(
                "inventory",
                "stock_levels",
                "failed",
                "spirit: checksum failed: 3 rows differ between `stock_levels` and "
                "`_stock_levels_new` in chunk `id` >= 1200001 AND `id` < 1201001",
                progress=100,
            ),
            TaskSpec("inventory", "warehouses", "cancelled", progress=0),
        ),
        drift={("inventory", "stock_levels"): ddl.STOCK_LEVELS_HOTFIXED},
        state="failed",
        error="task stock_levels: checksum failed: 3 rows differ",
        ended_ago=2 * HOURS + 10 * MINUTES,
        ran_for=50 * MINUTES,
    ),
    ApplySpec(
        key="lock_held",
        expect="match_needs_force",
        story="A duplicate email stopped the unique index and nobody has merged the two rows "
        "yet; meanwhile another pull request took the accounts lock.",
        database="accounts",
        environment="production",
        repository="block/accounts-service",
        pull_request=4810,
        caller="cli:mchen@ops-bastion-2",
        namespaces={"accounts": (ddl.SESSIONS, ddl.USERS)},
        tasks=(
            TaskSpec(
                "accounts",
                "users",
                "failed",
                "spirit: copy rows: Error 1062 (23000): Duplicate entry "
                f"'{DUPLICATE_EMAIL}' for key '_users_new.uniq_email'",
                progress=88,
            ),
        ),
        lock_owner="block/accounts-service#4821",
        state="failed",
        error=f"task users: Error 1062 (23000): Duplicate entry '{DUPLICATE_EMAIL}' for key "
        "'_users_new.uniq_email'",
        ended_ago=4 * HOURS,
        ran_for=2 * HOURS,
        preflight="unknown",
        live=LiveSeed("users", ("email", "display_name"), USER_ROWS, "will_fail_again"),
    ),
    ApplySpec(
        key="too_old",
        expect="not_redrivable",
        story="The disk filled up during the copy three days ago; the redrive window closed.",
        database="catalog",
        environment="staging",
        repository="block/catalog-schema",
        pull_request=2045,
        caller="block/catalog-schema#2045",
        namespaces={"catalog": (ddl.CATEGORIES, ddl.PRODUCTS)},
        tasks=(
            TaskSpec(
                "catalog",
                "products",
                "failed",
                "spirit: copy rows: Error 1114 (HY000): The table '_products_new' is full",
                progress=71,
            ),
        ),
        state="failed",
        error="task products: Error 1114 (HY000): The table '_products_new' is full",
        ended_ago=3 * timedelta(days=1) + 2 * HOURS,
        ran_for=5 * HOURS,
    ),
    ApplySpec(
        key="two_namespaces",
        expect="match",
        story="Replica lag aborted one copy; its sibling was cancelled, completed work in both "
        "namespaces stays done.",
        database="shipping",
        environment="production",
        repository="block/shipping-platform",
        pull_request=3390,
        caller="block/shipping-platform#3390",
        namespaces={
            "shipping": (ddl.CARRIERS, ddl.PICKUP_WINDOWS, ddl.SHIPMENTS),
            "shipping_events": (ddl.DELIVERY_ATTEMPTS, ddl.TRACKING_EVENTS),
        },
        tasks=(
            TaskSpec("shipping", "pickup_windows", "completed"),
            TaskSpec("shipping", "carriers", "completed"),
            TaskSpec(
                "shipping",
                "shipments",
                "failed",
                "spirit: copy rows: replica lag 412s exceeded threshold 120s for 30m0s; aborting",
                progress=47,
            ),
            TaskSpec("shipping_events", "delivery_attempts", "completed"),
            TaskSpec("shipping_events", "tracking_events", "cancelled", progress=0),
        ),
        state="failed",
        error=BUDGET_SPENT + "task shipments: replica lag 412s exceeded threshold 120s",
        attempt=10,
        ended_ago=7 * HOURS,
        ran_for=6 * HOURS,
    ),
    ApplySpec(
        key="secondary_deployment",
        expect="not_redrivable",
        story="The primary deployment finished; the EU deployment failed its cutover. Only "
        "primary failures can be redriven.",
        database="billing",
        environment="production",
        repository="block/billing-schema",
        pull_request=618,
        caller="block/billing-schema#618",
        namespaces={"billing": (ddl.INVOICE_LINES, ddl.INVOICES)},
        tasks=(
            TaskSpec("billing", "invoices", "completed"),
            TaskSpec(
                "billing",
                "invoices",
                "failed",
                f"spirit: cutover: {LOCK_WAIT} (RENAME TABLE `invoices` TO "
                "`_invoices_old`, `_invoices_new` TO `invoices`)",
                deployment="billing-eu-west-1",
            ),
        ),
        operations=(
            OperationSpec("billing", "completed"),
            OperationSpec("billing-eu-west-1", "failed", f"cutover: {LOCK_WAIT}"),
        ),
        state="failed",
        error=f"deployment billing-eu-west-1: cutover: {LOCK_WAIT}",
        ended_ago=15 * HOURS,
        ran_for=4 * HOURS,
    ),
    ApplySpec(
        key="stopped_operation",
        expect="not_redrivable",
        story="The first deployment failed its copy and the on-call stopped the second one; "
        "a stopped operation needs a new apply.",
        database="notifications",
        environment="staging",
        repository="block/notifications-service",
        pull_request=1502,
        caller="block/notifications-service#1502",
        namespaces={"notifications": (ddl.PUSH_SUBSCRIPTIONS,)},
        tasks=(
            TaskSpec(
                "notifications",
                "push_subscriptions",
                "failed",
                "spirit: copy rows: Error 2013 (HY000): Lost connection to MySQL server "
                "during query",
                progress=29,
            ),
            TaskSpec(
                "notifications",
                "push_subscriptions",
                "stopped",
                progress=12,
                deployment="notifications-us-west-2",
            ),
        ),
        operations=(
            OperationSpec(
                "notifications",
                "failed",
                "copy rows: Error 2013 (HY000): Lost connection to MySQL server during query",
            ),
            OperationSpec("notifications-us-west-2", "stopped"),
        ),
        control_requests=(("stop", "completed", '{"stopped_count":1}'),),
        state="failed",
        error="task push_subscriptions: Error 2013 (HY000): Lost connection to MySQL server "
        "during query",
        ended_ago=50 * MINUTES,
        ran_for=40 * MINUTES,
    ),
    ApplySpec(
        key="grpc_target",
        expect="not_redrivable",
        story="A Tern-managed (gRPC mode) environment: the console has no connection to "
        "re-plan with and says so.",
        database="ledger",
        environment="production",
        repository="block/ledger-schema",
        pull_request=95,
        caller="block/ledger-schema#95",
        namespaces={"ledger": (ddl.JOURNAL_LINES,)},
        tasks=(
            TaskSpec(
                "ledger",
                "journal_lines",
                "failed",
                f"spirit: copy rows: {LOCK_WAIT}",
                progress=55,
            ),
        ),
        deployment="tenant1",
        target="ledger-production",
        snapshot=False,
        state="failed",
        error=BUDGET_SPENT + f"task journal_lines: copy rows: {LOCK_WAIT}",
        attempt=10,
        ended_ago=3 * HOURS,
        ran_for=2 * HOURS,
    ),
    ApplySpec(
        key="pending_cancel",
        expect="not_redrivable",
        story="The on-call asked to cancel while the index build was already failing; the "
        "cancel request is still pending and would cancel a redrive straight away.",
        database="search",
        environment="staging",
        repository="block/search-indexer",
        pull_request=742,
        caller="block/search-indexer#742",
        namespaces={"search": (ddl.DOCUMENTS,)},
        tasks=(
            TaskSpec(
                "search",
                "documents",
                "failed",
                "spirit: copy rows: Error 1205 (HY000): Lock wait timeout exceeded; try "
                "restarting transaction (FULLTEXT index build on `_documents_new`)",
                progress=93,
            ),
        ),
        control_requests=(("cancel", "pending", "{}"),),
        state="failed",
        error="task documents: Error 1205 (HY000): Lock wait timeout exceeded",
        ended_ago=5 * HOURS,
        ran_for=70 * MINUTES,
    ),
    # Applies that did not fail, for a realistic storage.
    ApplySpec(
        key="completed_staging",
        expect="",
        story="The same payments change went through staging two days ago.",
        database="payments",
        environment="staging",
        repository="block/payments-schema",
        pull_request=1312,
        caller="block/payments-schema#1312",
        namespaces={"payments": (ddl.LEDGER_ENTRIES, ddl.PAYMENT_INTENTS, ddl.REFUNDS)},
        tasks=(
            TaskSpec("payments", "ledger_entries", "completed"),
            TaskSpec("payments", "payment_intents", "completed"),
        ),
        state="completed",
        ended_ago=2 * timedelta(days=1),
        ran_for=40 * MINUTES,
    ),
    ApplySpec(
        key="completed_accounts_staging",
        expect="",
        story="The accounts change passed staging yesterday.",
        database="accounts",
        environment="staging",
        repository="block/accounts-service",
        pull_request=4810,
        caller="cli:mchen@ops-bastion-2",
        namespaces={"accounts": (ddl.SESSIONS, ddl.USERS)},
        tasks=(TaskSpec("accounts", "users", "completed"),),
        state="completed",
        ended_ago=26 * HOURS,
        ran_for=25 * MINUTES,
    ),
    ApplySpec(
        key="running",
        expect="",
        story="A copy in progress on another database.",
        database="analytics",
        environment="production",
        repository="block/analytics-pipeline",
        pull_request=233,
        caller="block/analytics-pipeline#233",
        namespaces={"analytics": (ddl.PAGE_VIEWS,)},
        tasks=(TaskSpec("analytics", "page_views", "running", progress=42),),
        lock_owner="block/analytics-pipeline#233",
        state="running",
        ended_ago=None,
        ran_for=18 * MINUTES,
    ),
)
