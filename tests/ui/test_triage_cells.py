from fake_service import FIXED_NOW, make_triage_row

from screens.triage import triage_cells

OPERATOR = "cli:operator@console"


def _verdict(lock_owner: str | None) -> str:
    row = make_triage_row(lock_owner=lock_owner, lock_held_minutes=5 if lock_owner else None)
    return triage_cells(row, FIXED_NOW, OPERATOR)[-1].plain


def test_a_lock_held_by_another_owner_says_force_is_needed() -> None:
    assert _verdict("github:bob") == "✔ yes, needs force"


def test_a_free_lock_or_the_operators_own_needs_no_force() -> None:
    assert _verdict(None) == "✔ yes"
    assert _verdict(OPERATOR) == "✔ yes"
