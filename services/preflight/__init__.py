"""Pre-flight of a redrive: will the retry fail again for the same reason, and will Spirit
resume its copy or start over. ``run_preflight`` is the entry point; ``classify`` maps one
error text to its cause.
"""

from services.preflight.classify import classify, classify_all
from services.preflight.model import (
    SCHEMABOT_CHECKPOINT_MAX_AGE,
    SPIRIT_CHECKPOINT_MAX_AGE,
    Category,
    CheckResult,
    CheckStatus,
    Classification,
    Example,
    PreflightInput,
    PreflightLimits,
    PreflightReport,
    Resume,
    ResumeState,
    TableReport,
    Verdict,
)
from services.preflight.run import run_preflight

__all__ = [
    "SCHEMABOT_CHECKPOINT_MAX_AGE",
    "SPIRIT_CHECKPOINT_MAX_AGE",
    "Category",
    "CheckResult",
    "CheckStatus",
    "Classification",
    "Example",
    "PreflightInput",
    "PreflightLimits",
    "PreflightReport",
    "Resume",
    "ResumeState",
    "TableReport",
    "Verdict",
    "classify",
    "classify_all",
    "run_preflight",
]
