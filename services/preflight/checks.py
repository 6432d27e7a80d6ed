"""The live checks: duplicate groups for a new unique key, offending values for a column
change, orphans for a new foreign key. Key checks are one grouped SELECT returning at most
``row_cap`` groups; value checks a capped count, then a few examples. No check raises: a time
limit or a failed query becomes the check's status.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.planner.model import ForeignKey, Index, KeyPart
from services.preflight.model import CheckResult, CheckStatus, Example, PreflightLimits
from services.preflight.narrowing import Offending
from services.preflight.session import QueryFailed, ReadOnlySession, TimeLimitExceeded, ident
from services.preflight.target import TableFacts


@dataclass(frozen=True, slots=True)
class Checker:
    """Runs checks on one table with one session and one set of limits."""

    session: ReadOnlySession
    facts: TableFacts
    limits: PreflightLimits
    skip: str = ""  # set when the table is not to be checked (the reason)

    @property
    def table_sql(self) -> str:
        return f"{ident(self.facts.schema)}.{ident(self.facts.name)}"

    def duplicates(self, key: Index) -> CheckResult:
        """Groups of rows sharing a value of the new unique key (NULLs never collide)."""
        label = "PRIMARY KEY" if key.kind == "PRIMARY" else f"UNIQUE {key.name or '(unnamed)'}"
        columns = [part.column for part in key.parts]
        check = f"duplicates for new {label} ({', '.join(str(c) for c in columns)})"
        if any(part.column is None for part in key.parts):
            return _skipped(check, "duplicate_key", "functional key parts are not checked")
        ordered, via = self._index_order(key)
        parts = [(str(part.column), part.length) for part in ordered]
        group = ", ".join(
            f"LEFT({ident(name)}, {int(length)})" if length else ident(name)
            for name, length in parts
        )
        where = " AND ".join(
            f"{ident(name)} IS NOT NULL" for name, _ in parts if self._nullable(name)
        )
        grouped = (
            f"FROM {self.table_sql}{f' WHERE {where}' if where else ''}"
            f" GROUP BY {group} HAVING COUNT(*) > 1"
        )
        detail = f"index-assisted (uses index {via})" if via else "full scan (no covering index)"
        return self._grouped(
            check,
            "duplicate_key",
            f"SELECT {group}, COUNT(*) {grouped} ORDER BY {group} LIMIT %s",
            count_rows=False,
            detail=detail,
        )

    def offending(self, condition: Offending) -> CheckResult:
        """Rows whose value of the column the new definition rejects."""
        rows = f"FROM {self.table_sql} WHERE {condition.predicate}"
        examples = (
            ""
            if condition.cause == "invalid_null"
            else f"SELECT {ident(condition.column)} {rows} LIMIT %s"
        )
        return self._run(
            condition.check,
            condition.cause,
            f"SELECT COUNT(*) FROM (SELECT 1 {rows} LIMIT %s) AS offending",
            examples,
            condition.params,
        )

    def orphans(self, foreign_key: ForeignKey) -> CheckResult:
        """Rows whose (all non-NULL) foreign key columns match no row of the parent table."""
        pairs = list(zip(foreign_key.columns, foreign_key.ref_columns, strict=False))
        check = (
            f"orphans for new FOREIGN KEY {foreign_key.name or '(unnamed)'} "
            f"({', '.join(foreign_key.columns)}) → {foreign_key.ref_table}"
        )
        if len(foreign_key.columns) != len(foreign_key.ref_columns) or not pairs:
            return _skipped(check, "foreign_key", "column lists differ in length")
        parent = f"{ident(self.facts.schema)}.{ident(foreign_key.ref_table)}"
        present = " AND ".join(f"child.{ident(c)} IS NOT NULL" for c, _ in pairs)
        join = " AND ".join(f"parent.{ident(r)} = child.{ident(c)}" for c, r in pairs)
        rows = (
            f"FROM {self.table_sql} AS child WHERE {present} AND NOT EXISTS "
            f"(SELECT 1 FROM {parent} AS parent WHERE {join})"
        )
        keys = ", ".join(f"child.{ident(c)}" for c, _ in pairs)
        return self._grouped(
            check,
            "foreign_key",
            f"SELECT {keys}, COUNT(*) {rows} GROUP BY {keys} ORDER BY {keys} LIMIT %s",
            count_rows=True,
        )

    def _nullable(self, name: str) -> bool:
        """True unless the column is known to be NOT NULL (NULLs never collide in a key)."""
        column = self.facts.column(name)
        return column is None or column.nullable

    def _index_order(self, key: Index) -> tuple[tuple[KeyPart, ...], str]:
        """The key's parts in the order of an existing index that starts with exactly these
        columns (so GROUP BY reads that index instead of sorting), and that index's name."""
        if any(part.length for part in key.parts):
            return key.parts, ""
        by_name = {str(part.column).lower(): part for part in key.parts}
        for index in self.facts.indexes:
            leading = [c.lower() for c in index.columns[: len(by_name)]]
            if len(leading) == len(by_name) and set(leading) == set(by_name):
                return tuple(by_name[c] for c in leading), index.name
        return key.parts, ""

    def _grouped(
        self, check: str, cause: str, sql: str, *, count_rows: bool, detail: str = ""
    ) -> CheckResult:
        """One scan returning up to ``row_cap`` groups ``(key values…, rows)``: the count is
        the number of groups (or, with ``count_rows``, of their rows); the first are examples."""
        if self.skip:
            return _skipped(check, cause, self.skip)
        cap = self.limits.row_cap
        try:
            rows = self.session.select(sql, (cap,))
        except TimeLimitExceeded as exc:
            return CheckResult(check, cause, CheckStatus.TIME_LIMIT, detail=f"unknown: {exc}")
        except QueryFailed as exc:
            return CheckResult(check, cause, CheckStatus.ERROR, detail=f"query failed: {exc}")
        count = sum(int(row[-1]) for row in rows) if count_rows else len(rows)
        examples = tuple(
            Example(_texts(row[:-1]), int(row[-1])) for row in rows[: self.limits.example_limit]
        )
        status = CheckStatus.FOUND if rows else CheckStatus.CLEAN
        return CheckResult(check, cause, status, count, len(rows) >= cap, examples, detail)

    def _run(
        self,
        check: str,
        cause: str,
        count_sql: str,
        examples_sql: str,
        params: tuple[object, ...],
    ) -> CheckResult:
        """A capped count of offending rows, then (when there are any) a few of their values."""
        if self.skip:
            return _skipped(check, cause, self.skip)
        cap = self.limits.row_cap
        try:
            count = int(self.session.select(count_sql, (*params, cap))[0][0])
            found: tuple[Example, ...] = ()
            if count and examples_sql and self.limits.example_limit:
                rows = self.session.select(examples_sql, (*params, self.limits.example_limit))
                found = tuple(Example(_texts(row)) for row in rows)
        except TimeLimitExceeded as exc:
            return CheckResult(check, cause, CheckStatus.TIME_LIMIT, detail=f"unknown: {exc}")
        except QueryFailed as exc:
            return CheckResult(check, cause, CheckStatus.ERROR, detail=f"query failed: {exc}")
        status = CheckStatus.FOUND if count else CheckStatus.CLEAN
        return CheckResult(check, cause, status, count, count >= cap, found)


def _skipped(check: str, cause: str, why: str) -> CheckResult:
    return CheckResult(check, cause, CheckStatus.SKIPPED, detail=why)


def _texts(values: tuple) -> tuple[str | None, ...]:
    """Values as the raw text the operator should see (bytes decoded, escapes kept visible)."""
    out: list[str | None] = []
    for value in values:
        if value is None:
            out.append(None)
        elif isinstance(value, bytes | bytearray):
            out.append(bytes(value).decode("utf-8", "backslashreplace"))
        else:
            out.append(str(value))
    return tuple(out)
