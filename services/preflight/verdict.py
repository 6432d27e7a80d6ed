"""The verdict of one table, from its failure cause, its live checks and Spirit's leftovers.

In order: a check that found offending rows proves the retry fails again, whatever the cause.
A sentinel failure fails again while ``_spirit_sentinel`` exists. A transient cause (locks,
connections, lag) is likely to pass on a retry. A data cause, or a checksum mismatch (which a
new unique key over duplicate rows produces), is likely to pass only when every check for that
cause ran and was clean; a check that could not finish leaves it unknown. Everything else —
resource causes, refused checkpoints, unknown causes — is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.preflight.model import (
    Category,
    CheckResult,
    CheckStatus,
    Classification,
    Resume,
    ResumeState,
    Verdict,
)

# Which checks can confirm or clear a cause.
CHECK_CAUSES: dict[str, frozenset[str]] = {
    "duplicate_key": frozenset({"duplicate_key"}),
    "checksum_mismatch": frozenset({"duplicate_key"}),
    "invalid_null": frozenset({"invalid_null"}),
    "truncation": frozenset({"truncation"}),
    "foreign_key": frozenset({"foreign_key"}),
}


def decide(
    cause: Classification, checks: Sequence[CheckResult], resume: ResumeState
) -> tuple[Verdict, str, CheckResult | None]:
    """The verdict, a one-line reason, and the check that decided it (if one did)."""
    found = next((c for c in checks if c.status is CheckStatus.FOUND), None)
    if found is not None:
        more = "at least " if found.capped else ""
        return Verdict.WILL_FAIL_AGAIN, f"{found.check}: {more}{found.count} found", found
    if cause.cause == "sentinel_present":
        if resume.sentinel_present:
            return Verdict.WILL_FAIL_AGAIN, "the sentinel table still exists", None
        if resume.resume is not Resume.UNKNOWN:
            return Verdict.LIKELY_TO_SUCCEED, "the sentinel table has been dropped", None
        return Verdict.UNKNOWN, "the sentinel table could not be looked up", None
    if cause.category is Category.TRANSIENT:
        return Verdict.LIKELY_TO_SUCCEED, f"transient cause ({cause.cause})", None
    wanted = CHECK_CAUSES.get(cause.cause)
    if wanted is None:
        return Verdict.UNKNOWN, _no_evidence(cause), None
    relevant = [c for c in checks if c.cause in wanted]
    if not relevant:
        return Verdict.UNKNOWN, f"the remaining statements give no check for {cause.cause}", None
    unfinished = next((c for c in relevant if c.status is not CheckStatus.CLEAN), None)
    if unfinished is not None:
        return Verdict.UNKNOWN, f"{unfinished.check}: {unfinished.detail}", unfinished
    return Verdict.LIKELY_TO_SUCCEED, f"{relevant[0].check}: none found", relevant[0]


def _no_evidence(cause: Classification) -> str:
    if cause.category is Category.UNKNOWN:
        return "the failure cause is not recognised"
    return f"no live check can confirm {cause.cause}"
