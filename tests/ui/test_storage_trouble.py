"""A lost storage: one inline status line, retries with a growing delay, the cause in words."""

from __future__ import annotations

import pytest
from conftest import build_app, settle
from fake_service import FakeConsoleService, sample_rows

from screens.error import ErrorScreen
from screens.storage_status import RETRY_DELAYS, classify
from screens.triage import TriageScreen
from services.domain.errors import StorageUnavailableError

SIZE = (120, 30)
NETWORK = "cannot read mysql://db.internal:3306/schemabot: 2003 Can't connect to MySQL server"
CREDENTIALS = "cannot read mysql://db.internal:3306/schemabot: 1045 Access denied for user 'bot'"


def _status(screen: TriageScreen) -> str:
    return str(screen.query_one("#triage-status").render())


async def test_every_refresh_failing_never_opens_a_modal_and_backs_off() -> None:
    service = FakeConsoleService()
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen) and screen.table.row_count == len(sample_rows())
        delays = []
        for _ in range(len(RETRY_DELAYS) + 1):
            service.fail_next["list_failed"] = StorageUnavailableError(NETWORK)
            screen._retry_storage()  # what the retry timer calls
            await settle(pilot)
            assert not isinstance(app.screen, ErrorScreen)
            delays.append(screen.trouble.retry_in)
            screen._refresh_tick()  # the 15 s refresh stays quiet while retrying
            await settle(pilot)
        assert delays == [*RETRY_DELAYS, RETRY_DELAYS[-1]]
        assert screen.table.row_count == len(sample_rows())  # the list stays usable
        assert _status(screen).count("STORAGE UNREACHABLE") == 1
        assert app.focused is screen.table
        screen._retry_storage()  # the storage is back
        await settle(pilot)
        assert screen.trouble is None and "STORAGE" not in _status(screen)


async def test_bad_credentials_are_not_called_a_network_problem() -> None:
    service = FakeConsoleService()
    service.fail_next["list_failed"] = StorageUnavailableError(CREDENTIALS)
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = _status(app.screen)
        assert "STORAGE REFUSED THE LOGIN" in status and "UNREACHABLE" not in status


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        (NETWORK, "network"),
        ("(2013) Lost connection to MySQL server during query", "network"),
        ("connection to server at 10.0.0.5 failed: timeout expired", "network"),
        (CREDENTIALS, "credentials"),
        ('FATAL:  password authentication failed for user "bot"', "credentials"),
        ("no driver for mysql://db: ImportError", "storage"),
    ],
)
def test_classify_reads_the_cause_from_the_driver_text(message: str, cause: str) -> None:
    assert classify(message) == cause
