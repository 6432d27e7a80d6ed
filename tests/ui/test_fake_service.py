"""The fake service honours the ConsoleService paging and recording contract."""

from fake_service import FakeConsoleService, many_rows


def test_list_failed_pages_with_cursor_and_filters() -> None:
    service = FakeConsoleService(many_rows(5))
    first = service.list_failed(limit=2)
    second = service.list_failed(limit=2, cursor=first.next_cursor)
    last = service.list_failed(limit=2, cursor=second.next_cursor)
    assert [r.apply_id for r in first.rows + second.rows + last.rows] == [
        f"apply-{i:05d}" for i in range(5)
    ]
    assert last.next_cursor is None
    staging = service.list_failed(environment="staging")
    assert {r.environment for r in staging.rows} == {"staging"}
    assert len(service.calls_to("list_failed")) == 4


def test_fail_next_raises_once() -> None:
    service = FakeConsoleService()
    service.fail_next["apply_logs"] = RuntimeError("boom")
    try:
        service.apply_logs("apply-0001")
    except RuntimeError:
        pass
    else:
        raise AssertionError("expected the injected error")
    assert service.apply_logs("apply-0001")
