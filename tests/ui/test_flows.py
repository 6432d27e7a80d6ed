"""A whole redrive by keyboard on canned data, asserting the typed message stream."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService

from app.cli import main
from screens.confirm import ConfirmRedriveScreen
from screens.messages import FailedAppliesLoaded, ProgressLoaded, RedriveFinished
from screens.outcome import OutcomeScreen
from screens.review import ReviewScreen


async def test_keyboard_flow_emits_the_typed_messages_in_order() -> None:
    service = FakeConsoleService()
    messages: list[object] = []
    app = build_app(service)
    async with app.run_test(size=(160, 48), message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmRedriveScreen)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, OutcomeScreen)
    kinds = [
        type(m)
        for m in messages
        if isinstance(m, FailedAppliesLoaded | RedriveFinished | ProgressLoaded)
    ]
    assert kinds[:3] == [FailedAppliesLoaded, RedriveFinished, ProgressLoaded]
    assert set(kinds[3:]) <= {ProgressLoaded}  # later watch ticks, if the machine was slow
    [(args, kwargs)] = service.calls_to("redrive")
    assert args == ("apply-0001", "production") and kwargs["force"] is False


def test_ui_command_refuses_bad_input_before_opening(tmp_path, capsys) -> None:
    assert main(["ui", "--theme", "no-such-theme", "--storage-url", "sqlite://"]) == 2
    assert main(["ui", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "redrive-console" in capsys.readouterr().err
