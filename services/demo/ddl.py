"""CREATE TABLE texts of the demo databases, written the way MySQL 8's SHOW CREATE TABLE prints.

Each ``Table`` has the text live before its apply (``before``; ``None`` for a new table) and the
desired text from the pull request (``after``). Unchanged tables have ``before == after``.
"""

from __future__ import annotations

from dataclasses import dataclass

_OPTIONS = ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"


def _create(name: str, *lines: str) -> str:
    body = ",\n".join(f"  {line}" for line in lines)
    return f"CREATE TABLE `{name}` (\n{body}\n{_OPTIONS}"


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def unchanged(name: str, *lines: str) -> Table:
    text = _create(name, *lines)
    return Table(name, text, text)


def altered(name: str, before: tuple[str, ...], after: tuple[str, ...]) -> Table:
    return Table(name, _create(name, *before), _create(name, *after))


def created(name: str, *lines: str) -> Table:
    return Table(name, None, _create(name, *lines))


ID = "`id` bigint unsigned NOT NULL AUTO_INCREMENT"
CREATED = "`created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP"
UPDATED = "`updated_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"
PK = "PRIMARY KEY (`id`)"

# -- payments -------------------------------------------------------------------------------

_INTENT_COLUMNS = (
    ID,
    "`merchant_id` bigint unsigned NOT NULL",
    "`amount_cents` bigint NOT NULL",
    "`currency` char(3) NOT NULL",
    "`status` varchar(32) NOT NULL DEFAULT 'requires_payment_method'",
)
PAYMENT_INTENTS = altered(
    "payment_intents",
    (*_INTENT_COLUMNS, CREATED, UPDATED, PK,
     "KEY `idx_merchant_created` (`merchant_id`,`created_at`)"),
    (*_INTENT_COLUMNS,
     "`capture_method` varchar(16) NOT NULL DEFAULT 'automatic'",
     CREATED, UPDATED, PK,
     "KEY `idx_merchant_created` (`merchant_id`,`created_at`)",
     "KEY `idx_status_created` (`status`,`created_at`)"),
)  # fmt: skip
_LEDGER_COLUMNS = (
    ID,
    "`payment_intent_id` bigint unsigned NOT NULL",
    "`entry_type` varchar(16) NOT NULL",
    "`amount_cents` bigint NOT NULL",
)
LEDGER_ENTRIES = altered(
    "ledger_entries",
    (*_LEDGER_COLUMNS, CREATED, PK, "KEY `idx_payment_intent` (`payment_intent_id`)"),
    (*_LEDGER_COLUMNS, "`reversal_of_id` bigint unsigned DEFAULT NULL", CREATED, PK,
     "KEY `idx_payment_intent` (`payment_intent_id`)",
     "KEY `idx_reversal_of` (`reversal_of_id`)"),
)  # fmt: skip
REFUNDS = unchanged(
    "refunds",
    ID,
    "`payment_intent_id` bigint unsigned NOT NULL",
    "`amount_cents` bigint NOT NULL",
    "`reason` varchar(64) DEFAULT NULL",
    CREATED,
    PK,
    "KEY `idx_payment_intent` (`payment_intent_id`)",
)

# -- inventory ------------------------------------------------------------------------------

_STOCK_COLUMNS = (
    ID,
    "`sku` varchar(64) NOT NULL",
    "`warehouse_id` int unsigned NOT NULL",
    "`on_hand` int NOT NULL DEFAULT '0'",
)
STOCK_LEVELS = altered(
    "stock_levels",
    (*_STOCK_COLUMNS, UPDATED, PK, "UNIQUE KEY `uniq_sku_warehouse` (`sku`,`warehouse_id`)"),
    (*_STOCK_COLUMNS, "`reserved_qty` int NOT NULL DEFAULT '0'", UPDATED, PK,
     "UNIQUE KEY `uniq_sku_warehouse` (`sku`,`warehouse_id`)",
     "KEY `idx_warehouse_updated` (`warehouse_id`,`updated_at`)"),
)  # fmt: skip
STOCK_LEVELS_HOTFIXED = (
    # The index from the pull request, added by hand during the incident.
    _create(
        "stock_levels",
        *_STOCK_COLUMNS,
        UPDATED,
        PK,
        "UNIQUE KEY `uniq_sku_warehouse` (`sku`,`warehouse_id`)",
        "KEY `idx_warehouse_updated` (`warehouse_id`,`updated_at`)",
    )
)
_WAREHOUSE_COLUMNS = (
    "`id` int unsigned NOT NULL AUTO_INCREMENT",
    "`code` varchar(16) NOT NULL",
    "`name` varchar(128) NOT NULL",
    "`region` varchar(32) NOT NULL",
)
WAREHOUSES = altered(
    "warehouses",
    (*_WAREHOUSE_COLUMNS, PK, "UNIQUE KEY `uniq_code` (`code`)"),
    (*_WAREHOUSE_COLUMNS, "`timezone` varchar(64) NOT NULL DEFAULT 'UTC'", PK,
     "UNIQUE KEY `uniq_code` (`code`)"),
)  # fmt: skip

# -- accounts -------------------------------------------------------------------------------

_USER_COLUMNS = (
    ID,
    "`email` varchar(320) NOT NULL",
    "`display_name` varchar(128) DEFAULT NULL",
)
USERS = altered(
    "users",
    (*_USER_COLUMNS, CREATED, PK, "KEY `idx_email` (`email`)"),
    (*_USER_COLUMNS, "`email_verified_at` datetime DEFAULT NULL", CREATED, PK,
     "UNIQUE KEY `uniq_email` (`email`)", "KEY `idx_email` (`email`)"),
)  # fmt: skip
SESSIONS = unchanged(
    "sessions",
    ID,
    "`user_id` bigint unsigned NOT NULL",
    "`token_hash` binary(32) NOT NULL",
    "`expires_at` datetime NOT NULL",
    CREATED,
    PK,
    "UNIQUE KEY `uniq_token_hash` (`token_hash`)",
    "KEY `idx_user_expires` (`user_id`,`expires_at`)",
)

# -- catalog --------------------------------------------------------------------------------

_PRODUCT_COLUMNS = (
    ID,
    "`category_id` int unsigned NOT NULL",
    "`title` varchar(255) NOT NULL",
    "`price_cents` int unsigned NOT NULL",
    "`attributes` json DEFAULT NULL",
)
PRODUCTS = altered(
    "products",
    (*_PRODUCT_COLUMNS, CREATED, PK, "KEY `idx_category` (`category_id`)"),
    (*_PRODUCT_COLUMNS, "`archived_at` datetime DEFAULT NULL", CREATED, PK,
     "KEY `idx_category` (`category_id`)", "KEY `idx_archived_at` (`archived_at`)"),
)  # fmt: skip
CATEGORIES = unchanged(
    "categories",
    "`id` int unsigned NOT NULL AUTO_INCREMENT",
    "`parent_id` int unsigned DEFAULT NULL",
    "`slug` varchar(128) NOT NULL",
    PK,
    "UNIQUE KEY `uniq_slug` (`slug`)",
)

# -- shipping (two namespaces) --------------------------------------------------------------

_SHIPMENT_COLUMNS = (
    ID,
    "`order_id` bigint unsigned NOT NULL",
    "`carrier_id` int unsigned NOT NULL",
    "`status` enum('label_created','in_transit','delivered','returned') NOT NULL",
)
SHIPMENTS = altered(
    "shipments",
    (*_SHIPMENT_COLUMNS, CREATED, PK, "KEY `idx_order` (`order_id`)"),
    (*_SHIPMENT_COLUMNS, "`carrier_service` varchar(32) DEFAULT NULL", CREATED, PK,
     "KEY `idx_order` (`order_id`)", "KEY `idx_carrier_status` (`carrier_id`,`status`)"),
)  # fmt: skip
_CARRIER_COLUMNS = (
    "`id` int unsigned NOT NULL AUTO_INCREMENT",
    "`name` varchar(64) NOT NULL",
    "`scac` char(4) NOT NULL",
)
CARRIERS = altered(
    "carriers",
    (*_CARRIER_COLUMNS, PK, "UNIQUE KEY `uniq_scac` (`scac`)"),
    (*_CARRIER_COLUMNS, "`tracking_url_template` varchar(512) DEFAULT NULL", PK,
     "UNIQUE KEY `uniq_scac` (`scac`)"),
)  # fmt: skip
PICKUP_WINDOWS = created(
    "pickup_windows",
    ID,
    "`warehouse_id` int unsigned NOT NULL",
    "`carrier_id` int unsigned NOT NULL",
    "`starts_at` datetime NOT NULL",
    "`ends_at` datetime NOT NULL",
    PK,
    "KEY `idx_warehouse_starts` (`warehouse_id`,`starts_at`)",
)
_TRACKING_COLUMNS = (
    ID,
    "`shipment_id` bigint unsigned NOT NULL",
    "`event_code` varchar(32) NOT NULL",
    "`occurred_at` datetime NOT NULL",
    "`payload` json DEFAULT NULL",
)
TRACKING_EVENTS = altered(
    "tracking_events",
    (*_TRACKING_COLUMNS, PK, "KEY `idx_shipment` (`shipment_id`)"),
    (*_TRACKING_COLUMNS, PK, "KEY `idx_shipment` (`shipment_id`)",
     "KEY `idx_shipment_occurred` (`shipment_id`,`occurred_at`)"),
)  # fmt: skip
_ATTEMPT_COLUMNS = (
    ID,
    "`shipment_id` bigint unsigned NOT NULL",
    "`attempted_at` datetime NOT NULL",
    "`outcome` varchar(32) NOT NULL",
)
DELIVERY_ATTEMPTS = altered(
    "delivery_attempts",
    (*_ATTEMPT_COLUMNS, PK, "KEY `idx_shipment` (`shipment_id`)"),
    (*_ATTEMPT_COLUMNS, "`signature_required` tinyint(1) NOT NULL DEFAULT '0'", PK,
     "KEY `idx_shipment` (`shipment_id`)"),
)  # fmt: skip

# -- billing --------------------------------------------------------------------------------

_INVOICE_COLUMNS = (
    ID,
    "`account_id` bigint unsigned NOT NULL",
    "`total_cents` bigint NOT NULL",
    "`currency` char(3) NOT NULL",
    "`issued_at` datetime NOT NULL",
)
INVOICES = altered(
    "invoices",
    (*_INVOICE_COLUMNS, PK, "KEY `idx_account_issued` (`account_id`,`issued_at`)"),
    (*_INVOICE_COLUMNS, "`tax_region` char(2) DEFAULT NULL", PK,
     "KEY `idx_account_issued` (`account_id`,`issued_at`)"),
)  # fmt: skip
INVOICE_LINES = unchanged(
    "invoice_lines",
    ID,
    "`invoice_id` bigint unsigned NOT NULL",
    "`description` varchar(255) NOT NULL",
    "`amount_cents` bigint NOT NULL",
    PK,
    "KEY `idx_invoice` (`invoice_id`)",
)

# -- notifications --------------------------------------------------------------------------

_PUSH_COLUMNS = (
    ID,
    "`user_id` bigint unsigned NOT NULL",
    "`device_token` varchar(255) NOT NULL",
    "`platform` enum('ios','android','web') NOT NULL",
)
PUSH_SUBSCRIPTIONS = altered(
    "push_subscriptions",
    (*_PUSH_COLUMNS, CREATED, PK, "UNIQUE KEY `uniq_device_token` (`device_token`)"),
    (*_PUSH_COLUMNS, "`last_seen_at` datetime DEFAULT NULL", CREATED, PK,
     "UNIQUE KEY `uniq_device_token` (`device_token`)",
     "KEY `idx_user_last_seen` (`user_id`,`last_seen_at`)"),
)  # fmt: skip

# -- search ---------------------------------------------------------------------------------

_DOCUMENT_COLUMNS = (
    ID,
    "`tenant_id` bigint unsigned NOT NULL",
    "`title` varchar(512) NOT NULL",
    "`body` mediumtext NOT NULL",
    UPDATED,
)
DOCUMENTS = altered(
    "documents",
    (*_DOCUMENT_COLUMNS, PK, "KEY `idx_tenant_updated` (`tenant_id`,`updated_at`)"),
    (*_DOCUMENT_COLUMNS, PK, "KEY `idx_tenant_updated` (`tenant_id`,`updated_at`)",
     "FULLTEXT KEY `ft_title_body` (`title`,`body`)"),
)  # fmt: skip

# -- ledger (gRPC mode) and analytics -------------------------------------------------------

_JOURNAL_COLUMNS = (
    ID,
    "`account_id` bigint unsigned NOT NULL",
    "`amount_cents` bigint NOT NULL",
    "`posted_at` datetime NOT NULL",
)
JOURNAL_LINES = altered(
    "journal_lines",
    (*_JOURNAL_COLUMNS, PK, "KEY `idx_account_posted` (`account_id`,`posted_at`)"),
    (*_JOURNAL_COLUMNS, "`memo` varchar(255) DEFAULT NULL", PK,
     "KEY `idx_account_posted` (`account_id`,`posted_at`)"),
)  # fmt: skip
_PAGE_VIEW_COLUMNS = (
    ID,
    "`session_id` bigint unsigned NOT NULL",
    "`path` varchar(1024) NOT NULL",
    "`viewed_at` datetime NOT NULL",
)
PAGE_VIEWS = altered(
    "page_views",
    (*_PAGE_VIEW_COLUMNS, PK, "KEY `idx_viewed_at` (`viewed_at`)"),
    (*_PAGE_VIEW_COLUMNS, "`referrer` varchar(1024) DEFAULT NULL", PK,
     "KEY `idx_viewed_at` (`viewed_at`)"),
)  # fmt: skip
