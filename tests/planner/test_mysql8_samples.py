"""Recorded MySQL 8 SHOW CREATE TABLE samples (hand-written, see data/mysql8/README.md).

Each sample plans to nothing against its own text, canonicalises independently of layout,
and a one-detail edit of its MySQL-specific construct (versioned comment, functional index,
partitioning, SRID, ...) on the live side gives exactly the statement Spirit emits — which
proves the construct was read, not silently dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cases import table_name

from services.planner import canonical_statement, plan_schema, statements_equivalent
from services.planner.api import Flavour
from services.planner.sources import SnapshotSchemaSource
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel

DATA = Path(__file__).parent / "data" / "mysql8"
SAMPLES = sorted(DATA.glob("*.sql"))
NAMESPACE = "shop"

# sample file -> (text on the live side, replacing the sample's), expected plan to the sample
EDITS: dict[str, tuple[tuple[str, str], tuple[str, ...]]] = {
    "users.sql": (
        (" /*!80000 INVISIBLE */", ""),
        ("ALTER TABLE `users` ALTER INDEX `idx_name` INVISIBLE;",),
    ),
    "orders.sql": (
        (" /*!80016 NOT ENFORCED */", ""),
        ("ALTER TABLE `orders` ALTER CHECK `chk_price` NOT ENFORCED;",),
    ),
    "events.sql": (
        (
            "\n/*!50100 PARTITION BY RANGE (year(`created`))\n"
            "(PARTITION p2023 VALUES LESS THAN (2024) ENGINE = InnoDB,\n"
            " PARTITION p2024 VALUES LESS THAN (2025) ENGINE = InnoDB,\n"
            " PARTITION pmax VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */",
            "",
        ),
        (
            "ALTER TABLE `events` PARTITION BY RANGE (YEAR(`created`))"
            " (PARTITION `p2023` VALUES LESS THAN (2024), PARTITION `p2024` VALUES LESS THAN"
            " (2025), PARTITION `pmax` VALUES LESS THAN MAXVALUE);",
        ),
    ),
    "sessions.sql": (
        ("((lower(`user_email`)))", "((upper(`user_email`)))"),
        (
            "ALTER TABLE `sessions` DROP INDEX `idx_email_lower`,"
            " ADD INDEX `idx_email_lower` ((LOWER(`user_email`)));",
        ),
    ),
    "shard_map.sql": (
        ("PARTITIONS 8 */", "PARTITIONS 4 */"),
        ("ALTER TABLE `shard_map` ADD PARTITION PARTITIONS 4;",),
    ),
    "articles.sql": (
        (" /*!50100 WITH PARSER `ngram` */", ""),
        (
            "ALTER TABLE `articles` DROP INDEX `ft_title_body`;",
            "ALTER TABLE `articles` ADD FULLTEXT INDEX `ft_title_body` (`title`, `body`)"
            " WITH PARSER ngram;",
        ),
    ),
    "legacy_metrics.sql": (
        ("COMMENT 'lookups by host'", "COMMENT 'host lookups'"),
        (
            "ALTER TABLE `legacy_metrics` DROP INDEX `idx_host`, ADD INDEX `idx_host` (`host`)"
            " USING BTREE COMMENT 'lookups by host';",
        ),
    ),
    "order_reserved.sql": (
        (",\n  CONSTRAINT `order_chk_1` CHECK ((`größe` > 0))", ""),
        # 2026-08 keeps only the parentheses precedence needs (2026-07: JULY_EDITS)
        ("ALTER TABLE `order` ADD CONSTRAINT `order_chk_1` CHECK (`größe`>0);",),
    ),
    "regions.sql": (
        ("('DE','FR','NL')", "('DE','FR')"),
        (
            "ALTER TABLE `regions` REMOVE PARTITIONING;",
            "ALTER TABLE `regions` PARTITION BY LIST COLUMNS (`country`) (PARTITION `p_na`"
            " VALUES IN ('US', 'CA', 'MX'), PARTITION `p_eu` VALUES IN ('DE', 'FR', 'NL'));",
        ),
    ),
    "metrics_daily.sql": (
        ("SUBPARTITIONS 2", "SUBPARTITIONS 4"),
        (
            "ALTER TABLE `metrics_daily` REMOVE PARTITIONING;",
            "ALTER TABLE `metrics_daily` PARTITION BY RANGE (YEAR(`day`)) SUBPARTITION BY HASH"
            " (TO_DAYS(`day`)) SUBPARTITIONS 2 (PARTITION `p2024` VALUES LESS THAN (2025),"
            " PARTITION `pmax` VALUES LESS THAN MAXVALUE);",
        ),
    ),
    "latin_legacy.sql": (
        (" CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci DEFAULT NULL", " DEFAULT NULL"),
        (
            "ALTER TABLE `latin_legacy` MODIFY COLUMN `title_utf8` varchar(120) CHARACTER SET"
            " utf8mb4 COLLATE utf8mb4_0900_ai_ci NULL DEFAULT NULL;",
        ),
    ),
    "places.sql": (
        (" /*!80003 SRID 4326 */", ""),
        ("ALTER TABLE `places` MODIFY COLUMN `location` point NOT NULL SRID 4326;",),
    ),
}


# Where the 2026-07 plan differs: sample file -> expected plan at that level.
JULY_EDITS: dict[str, tuple[str, ...]] = {
    # TiDB's restore at 2026-07 keeps the inner parentheses MySQL prints: CHECK ((expr))
    "order_reserved.sql": (
        "ALTER TABLE `order` ADD CONSTRAINT `order_chk_1` CHECK ((`größe`>0));",
    ),
}


def sample_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def plan_against(
    tmp_path: Path, live_text: str, desired_text: str, level: SpiritLevel = DEFAULT_LEVEL
):
    name = table_name(desired_text)
    folder = tmp_path / NAMESPACE
    folder.mkdir()
    (folder / f"{name}.sql").write_text(live_text, encoding="utf-8")
    source = SnapshotSchemaSource(tmp_path, flavour=Flavour.MYSQL)
    return plan_schema({NAMESPACE: {f"{name}.sql": desired_text}}, source, level=level)


def reflow(text: str) -> str:
    """The same statement on one line (the samples hold no multi-line string literals)."""
    return re.sub(r"\s*\n\s*", " ", text.strip())


def test_every_sample_has_an_edit() -> None:
    assert len(SAMPLES) >= 10
    assert sorted(EDITS) == sorted(path.name for path in SAMPLES)


@pytest.mark.parametrize("level", list(SpiritLevel))
@pytest.mark.parametrize("path", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_sample_plans_to_nothing_against_itself(
    tmp_path: Path, path: Path, level: SpiritLevel
) -> None:
    text = sample_text(path)
    assert plan_against(tmp_path, text, text, level).changes == ()


@pytest.mark.parametrize("path", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_sample_canonicalises_independently_of_layout(path: Path) -> None:
    text = sample_text(path)
    canonical = canonical_statement(text, Flavour.MYSQL)
    assert canonical
    assert canonical_statement(reflow(text), Flavour.MYSQL) == canonical
    assert statements_equivalent(text, reflow(text) + ";", Flavour.MYSQL)


def _edit_params() -> list:
    return [pytest.param(path, id=path.stem) for path in SAMPLES]


@pytest.mark.parametrize("level", list(SpiritLevel))
@pytest.mark.parametrize("path", _edit_params())
def test_edited_construct_is_planned_exactly(
    tmp_path: Path, path: Path, level: SpiritLevel
) -> None:
    (old, new), expected = EDITS[path.name]
    if level is SpiritLevel.JULY_2026:
        expected = JULY_EDITS.get(path.name, expected)
    text = sample_text(path)
    assert old in text
    live = text.replace(old, new)
    plan = plan_against(tmp_path, live, text, level)
    assert [change.ddl for change in plan.changes] == list(expected)
    assert not statements_equivalent(text, live, Flavour.MYSQL)
