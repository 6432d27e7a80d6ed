"""Which Spirit the planner imitates: the July 2026 pin or the August 2026 main line.

SchemaBot stored its plans with the Spirit it was built with, so a re-plan is comparable to a
stored plan only when it follows the same Spirit's rules. Two levels are known:

- ``2026-07``: Spirit ``9dd2b80e44ca`` (2026-07-17), the commit SchemaBot pins up to ``fe94b2c``;
- ``2026-08``: Spirit main at ``e4b69b6e`` (2026-08-19).

What differs between them (every other rule is the same at both levels; both levels carry
``SUBPARTITION BY`` and named subpartitions through):

- CHECK and generated-column expressions. 2026-07 prints them with the parentheses the author
  wrote and compares them after dropping only the outermost pair. 2026-08 rewrites them to the
  fewest parentheses MySQL's precedence needs (``(a > 0) AND (b > 0)`` is ``a>0 AND b>0``) and
  prints and compares that form; an expression that form does not model (``INTERVAL``,
  ``CAST(... AS ...)``, subqueries) keeps its 2026-07 form.
- Function aliases. 2026-07 prints function names as written (a few spellings compare equal).
  2026-08 renames them to the spelling MySQL stores (``LCASE`` -> ``LOWER``, ``SUBSTRING`` ->
  ``SUBSTR``, ``CEIL`` -> ``CEILING``, ``DAY`` -> ``DAYOFMONTH`` ...) in CHECKs, generated
  columns, expression defaults, functional indexes and partitioning.
- Partition comments. 2026-07 compares them but does not print them (the pinned emitter
  drops them). 2026-08 prints them, and pushes a partition's comment down onto each named
  subpartition without one, as MySQL stores it.
- ``VECTOR`` columns. 2026-07 does not know the type and refuses it by name. 2026-08 plans it;
  ``vector`` without a dimension is ``vector(2048)``.

Each difference is planned both ways in ``tests/planner/test_spirit_level.py`` and in the case
tables' ``july_expected`` entries. Review and redrive pick the level from the storage
generation that holds the plan (``level_for_generation``); ``plan`` defaults to
``DEFAULT_LEVEL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SpiritLevel(StrEnum):
    """A Spirit release whose differ output the planner reproduces."""

    JULY_2026 = "2026-07"
    AUGUST_2026 = "2026-08"


DEFAULT_LEVEL = SpiritLevel.AUGUST_2026


@dataclass(frozen=True, slots=True)
class LevelRules:
    """The behaviours that differ between levels (see the module docstring's table)."""

    spirit_commit: str
    canonical_parentheses: bool
    function_aliases: bool
    partition_comments: bool  # printed, and pushed down onto named subpartitions
    vector_type: bool


RULES: dict[SpiritLevel, LevelRules] = {
    SpiritLevel.JULY_2026: LevelRules(
        spirit_commit="9dd2b80e44ca",
        canonical_parentheses=False,
        function_aliases=False,
        partition_comments=False,
        vector_type=False,
    ),
    SpiritLevel.AUGUST_2026: LevelRules(
        spirit_commit="e4b69b6e",
        canonical_parentheses=True,
        function_aliases=True,
        partition_comments=True,
        vector_type=True,
    ),
}

# Storage generation -> the Spirit that wrote plans of that generation. An unknown
# generation is newer than this console, so it gets the newest level.
_GENERATION_LEVELS = {
    "g1": SpiritLevel.JULY_2026,
    "g2": SpiritLevel.AUGUST_2026,
    "unknown": DEFAULT_LEVEL,
}


def rules_for(level: SpiritLevel) -> LevelRules:
    return RULES[level]


def parse_level(text: str) -> SpiritLevel:
    """``"2026-07"`` / ``"2026-08"`` as a level; ``ValueError`` naming the choices otherwise."""
    try:
        return SpiritLevel(text.strip())
    except ValueError:
        choices = ", ".join(level.value for level in SpiritLevel)
        raise ValueError(f"unknown Spirit level {text!r} (choose one of {choices})") from None


def level_for_generation(generation: str) -> SpiritLevel:
    """The level of plans stored by a storage generation (``g1``, ``g2`` or ``unknown``)."""
    try:
        return _GENERATION_LEVELS[generation.lower()]
    except KeyError:
        known = ", ".join(sorted(_GENERATION_LEVELS))
        raise ValueError(f"unknown storage generation {generation!r} (known: {known})") from None
