"""What a pre-flight reads (``PreflightInput``, ``PreflightLimits``) and what it reports.

The report answers two questions per table of the remaining work: will the retry fail again
for the same reason (``Verdict``), and will Spirit resume its copy or start over (``Resume``).
Values read from the target (example key values, checkpoint statements) are kept as raw
strings; escaping them for display is the UI's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

# SchemaBot's ``spirit.checkpoint_max_age`` default; Spirit's own default is 168 hours.
SCHEMABOT_CHECKPOINT_MAX_AGE = timedelta(hours=72)
SPIRIT_CHECKPOINT_MAX_AGE = timedelta(hours=168)


class Verdict(StrEnum):
    """Whether a retry of the table's remaining work fails again for the same reason."""

    WILL_FAIL_AGAIN = "will_fail_again"
    LIKELY_TO_SUCCEED = "likely_to_succeed"
    UNKNOWN = "unknown"


class Resume(StrEnum):
    """What Spirit does with the table's copy on the retry."""

    RESUME = "resume"
    RESTART = "restart"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


class Category(StrEnum):
    """The family of a failure cause; it decides which evidence settles the verdict."""

    DATA = "data"
    TRANSIENT = "transient"
    RESOURCE = "resource"
    SPIRIT = "spirit"
    UNKNOWN = "unknown"


class CheckStatus(StrEnum):
    """The outcome of one live check: offending rows found, none, or not known."""

    FOUND = "found"
    CLEAN = "clean"
    TIME_LIMIT = "time_limit"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class PreflightInput:
    """One table of the remaining work: its statements and the stored error texts.

    ``schema`` is the database holding the table on the target (the namespace when empty).
    ``errors`` are the failed task's and operation's error texts, most specific first.
    """

    namespace: str
    table: str
    statements: tuple[str, ...]
    errors: tuple[str, ...] = ()
    schema: str = ""

    @property
    def target_schema(self) -> str:
        return self.schema or self.namespace


@dataclass(frozen=True, slots=True)
class PreflightLimits:
    """Bounds on the work a pre-flight does on the target.

    ``statement_seconds`` is the server-side time limit of every SELECT; ``row_cap`` bounds
    the rows any count visits; tables whose ``information_schema`` row estimate exceeds
    ``size_threshold_rows`` are not checked unless ``deep`` (which lifts only that threshold:
    a deep pre-flight is still read-only, time-limited and row-capped).
    """

    statement_seconds: float = 5.0
    row_cap: int = 100_000
    example_limit: int = 5
    size_threshold_rows: int = 5_000_000
    deep: bool = False
    checkpoint_max_age: timedelta = SCHEMABOT_CHECKPOINT_MAX_AGE

    def __post_init__(self) -> None:
        if not self.statement_seconds > 0:
            raise ValueError("statement_seconds must be positive")
        if self.row_cap < 1 or self.example_limit < 0 or self.size_threshold_rows < 0:
            raise ValueError("row_cap must be >= 1; example_limit and size threshold >= 0")
        if self.checkpoint_max_age <= timedelta(0):
            raise ValueError("checkpoint_max_age must be positive")


@dataclass(frozen=True, slots=True)
class Classification:
    """The cause an error text maps to, with the error number and the matched fragment."""

    cause: str
    category: Category
    error_code: int | None = None
    fragment: str = ""


UNCLASSIFIED = Classification("unknown", Category.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Example:
    """One offending key: its column values (``None`` for SQL NULL) and its row count."""

    values: tuple[str | None, ...]
    rows: int | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One live check: what was checked (``check``), for which cause, and what it found.

    ``count`` is exact unless ``capped`` (then it is a lower bound: the row cap was reached).
    """

    check: str
    cause: str
    status: CheckStatus
    count: int | None = None
    capped: bool = False
    examples: tuple[Example, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ResumeState:
    """Spirit's leftovers for one table and what they mean for the retry."""

    resume: Resume
    detail: str
    leftovers: tuple[str, ...] = ()
    rows_copied_estimate: int | None = None
    sentinel_present: bool = False


@dataclass(frozen=True, slots=True)
class TableReport:
    """The pre-flight of one table: cause, checks, resume and the verdict with its reason.

    ``decisive`` is the check that settled the verdict, when one did.
    """

    namespace: str
    table: str
    classification: Classification
    checks: tuple[CheckResult, ...]
    resume: ResumeState
    verdict: Verdict
    reason: str
    decisive: CheckResult | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PreflightReport:
    """Every table's pre-flight and the overall verdict (the worst table decides).

    ``deep`` records that it was asked to check tables over the size threshold too.
    """

    tables: tuple[TableReport, ...]
    verdict: Verdict
    server_version: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    deep: bool = False

    @property
    def fails(self) -> bool:
        """True when any table will fail again (``redrive`` refuses without an override)."""
        return self.verdict is Verdict.WILL_FAIL_AGAIN

    def to_document(self) -> dict[str, object]:
        from services.preflight.document import report_document

        return report_document(self)

    def fingerprint(self) -> str:
        from services.preflight.document import report_fingerprint

        return report_fingerprint(self)


def overall_verdict(verdicts: Sequence[Verdict]) -> Verdict:
    """``will_fail_again`` if any table will; ``likely_to_succeed`` only if every table is."""
    if not verdicts:
        return Verdict.UNKNOWN
    if Verdict.WILL_FAIL_AGAIN in verdicts:
        return Verdict.WILL_FAIL_AGAIN
    if all(v is Verdict.LIKELY_TO_SUCCEED for v in verdicts):
        return Verdict.LIKELY_TO_SUCCEED
    return Verdict.UNKNOWN
