"""The grammar gate run ahead in a child process: same verdicts, only sooner.

The child may answer before or after the parse loop needs a verdict (that depends on the
machine's load), so the plan-level tests compare whole results with the child and without it,
which must be equal either way; the child's own answers are checked after it has finished.
"""

from __future__ import annotations

import sys

import pytest

from services.planner import Flavour, disk_cache, plan_schema
from services.planner import dialect as dialect_module
from services.planner import gate as gate_module
from services.planner import parse as parse_module
from services.planner.gate import MIN_STATEMENTS, Prefetch
from services.planner.parse import TableParseError, parse_many
from services.planner.sources import StaticSchemaSource
from services.planner.spirit_level import DEFAULT_LEVEL

BAD_DEFAULT = "CREATE TABLE bad_{i} (id int DEFAULT (1 +))"
BAD_CHECK = "CREATE TABLE bad_check (id int, CHECK (id >))"


def table(i: int) -> str:
    return (
        f"CREATE TABLE t{i} (id bigint unsigned NOT NULL AUTO_INCREMENT,"
        f" name_{i} varchar({20 + i}) NOT NULL DEFAULT '', note_{i} text,"
        f" state enum('a','s{i}') DEFAULT 'a' COMMENT 'c{i}',"
        f" PRIMARY KEY (id), KEY k_{i} (name_{i}(10)))"
    )


def many(count: int) -> list[str]:
    texts = [table(i) for i in range(count)]
    texts[3] = BAD_DEFAULT.format(i=3)
    texts[count // 2] = BAD_CHECK
    return texts


@pytest.fixture(autouse=True)
def _no_caches() -> None:
    disk_cache.configure(enabled=False)
    parse_module.clear_cache()
    yield
    disk_cache.configure(enabled=True)
    parse_module.clear_cache()


def outcome(results: list) -> list[str]:
    return [str(r) if isinstance(r, TableParseError) else repr(r) for r in results]


def test_a_parse_with_the_child_equals_one_without(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [(text, Flavour.MYSQL, True, DEFAULT_LEVEL) for text in many(MIN_STATEMENTS + 20)]
    started: list[Prefetch | None] = []
    real_start = Prefetch.start

    def recording(statements: int) -> Prefetch | None:
        started.append(real_start(statements))
        return started[-1]

    monkeypatch.setattr(Prefetch, "start", staticmethod(recording))
    with_child = outcome(parse_many(items))
    assert started and started[0] is not None  # enough statements: the child was started
    parse_module.clear_cache()
    monkeypatch.setattr(Prefetch, "start", staticmethod(lambda statements: None))
    without = outcome(parse_many(items))
    assert with_child == without
    assert "sqlglot cannot parse" in with_child[3] and "GT" in with_child[len(items) // 2]


def test_the_childs_verdicts_are_the_ones_sqlglot_gives_here() -> None:
    statements = [
        "CREATE TABLE t (id int NOT NULL, n varchar(3))",
        "CREATE TABLE t (id int DEFAULT (1 +))",
        "CREATE TABLE t (id int, CHECK (id >))",
    ]
    prefetch = Prefetch.start(MIN_STATEMENTS)
    assert prefetch is not None
    prefetch.send(statements)
    prefetch._reader.join(timeout=120)  # the child exits after its last verdict
    try:
        for statement in statements:
            try:
                dialect_module.validate_create(statement)
                expected = ""
            except ValueError as exc:
                expected = str(exc)
            assert prefetch.verdict(statement) == expected
        assert prefetch.verdict("CREATE TABLE t (other int)") is None  # never sent: no answer
    finally:
        prefetch.close()


def test_only_the_identical_statement_is_answered_by_the_child() -> None:
    """A verdict for another statement than the one the gate runs now is never borrowed: the
    child accepted a statement, this process runs a different one and refuses it itself."""

    class Answers:
        def verdict(self, statement: str) -> str | None:
            return "" if statement == "CREATE TABLE t (id int)" else None

    token = parse_module._prefetched.set(Answers())  # type: ignore[arg-type]
    try:
        with pytest.raises(TableParseError, match="sqlglot cannot parse"):
            parse_module.parse_table_uncached(BAD_DEFAULT.format(i=0), Flavour.MYSQL)
    finally:
        parse_module._prefetched.reset(token)


def test_the_gate_takes_the_childs_answer_for_its_statement() -> None:
    """The answer for the very statement the gate is about to run replaces running it (a fake
    child's refusal, of a statement sqlglot accepts, shows which one was used)."""

    class Answers:
        def verdict(self, statement: str) -> str | None:
            return "refused by the child" if statement.startswith("CREATE TABLE t (") else None

    token = parse_module._prefetched.set(Answers())  # type: ignore[arg-type]
    try:
        with pytest.raises(TableParseError, match="refused by the child"):
            parse_module.parse_table_uncached(table(1), Flavour.MYSQL)
    finally:
        parse_module._prefetched.reset(token)


def test_a_child_that_cannot_start_or_answers_garbage_leaves_the_gate_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = [(text, Flavour.MYSQL, True, DEFAULT_LEVEL) for text in many(MIN_STATEMENTS)]
    expected = outcome(parse_many(items))
    for executable in ("/nonexistent/python", "/bin/echo"):  # not there; prints no verdicts
        parse_module.clear_cache()
        monkeypatch.setattr(gate_module.sys, "executable", executable)
        assert outcome(parse_many(items)) == expected
    monkeypatch.setattr(gate_module.sys, "executable", sys.executable)


def test_a_small_parse_starts_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("no child for a small parse")

    monkeypatch.setattr(gate_module.subprocess, "Popen", refuse)
    items = [(text, Flavour.MYSQL, True, DEFAULT_LEVEL) for text in many(MIN_STATEMENTS - 1)]
    assert len(parse_many(items)) == MIN_STATEMENTS - 1


def test_a_big_plan_is_the_same_with_and_without_the_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    count = MIN_STATEMENTS + 10
    live = {f"t{i}": table(i).replace(f"'c{i}'", "'old'") for i in range(count)}
    desired = {f"t{i}.sql": table(i) for i in range(count)}
    source = StaticSchemaSource({"app": live}, Flavour.MARIADB, server_text=True)
    first = plan_schema({"app": desired}, source)
    parse_module.clear_cache()
    monkeypatch.setattr(Prefetch, "start", staticmethod(lambda statements: None))
    assert plan_schema({"app": desired}, source) == first
    assert len(first.changes) == count


def child_parses(texts: list[str], taken: tuple[int, ...] = ()) -> tuple[Prefetch, list]:
    """A child that parsed ``texts`` without the gate (after the loop took ``taken``)."""
    items = [(text, Flavour.MARIADB, True, DEFAULT_LEVEL) for text in texts]
    prefetch = Prefetch.start(MIN_STATEMENTS)
    assert prefetch is not None
    for position in taken:
        prefetch.take(position)
    prefetch.parse_ahead(list(enumerate(items)))
    prefetch.end()
    prefetch._reader.join(timeout=120)  # the child exits after its last parse
    return prefetch, items


def test_the_childs_parses_are_the_models_this_process_builds() -> None:
    """Each model (or refusal) the child sends decodes, under the statement's own key, to what
    the same parse without the gate gives here."""
    texts = [table(i) for i in range(5)] + [BAD_DEFAULT.format(i=9), "CREATE TABLE"]
    prefetch, items = child_parses(texts)
    try:
        for text, flavour, validate, level in items:
            key = parse_module.statement_key((text, flavour, validate, level))
            built, raw = prefetch.built(key)
            assert built is not None and raw is not None
            assert built == parse_module.parse_ungated(text, flavour, level)
            assert prefetch.built(key) == (None, None)  # taken once
    finally:
        prefetch.close()


def test_an_entry_that_does_not_verify_is_parsed_here() -> None:
    """An entry naming another key, or not fitting the model, is no answer."""
    prefetch, items = child_parses([table(1), table(2)])
    try:
        first, second = (parse_module.statement_key(item) for item in items)
        raw = prefetch._entries[first.hex()]
        prefetch._entries[second.hex()] = raw  # the first statement's entry under another key
        assert prefetch.built(second) == (None, None)
        prefetch._entries[first.hex()] = raw.replace(b'"table":[', b'"table":[1,', 1)
        assert prefetch.built(first) == (None, None)
    finally:
        prefetch.close()


def test_the_child_skips_what_the_parse_loop_has_taken() -> None:
    prefetch, items = child_parses([table(i) for i in range(6)], taken=(0, 2, 3))
    try:
        answered = [
            prefetch.built(parse_module.statement_key(item))[0] is not None for item in items
        ]
        assert answered == [False, True, False, False, True, True]
    finally:
        prefetch.close()


def test_a_first_plan_starts_the_child_before_reading_the_live_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing in memory and no pack on disk: the child starts before the source is read, and
    the plan equals one without any child."""
    count = MIN_STATEMENTS + 10
    live = {f"t{i}": table(i).replace(f"'c{i}'", "'old'") for i in range(count)}
    desired = {f"t{i}.sql": table(i) for i in range(count)}
    events: list[str] = []
    real_start = Prefetch.start

    def recording(statements: int) -> Prefetch | None:
        events.append("child")
        return real_start(statements)

    class Source(StaticSchemaSource):
        def load(self, namespace: str):
            events.append("load")
            return super().load(namespace)

    monkeypatch.setattr(Prefetch, "start", staticmethod(recording))
    source = Source({"app": live}, Flavour.MARIADB, server_text=True)
    first = plan_schema({"app": desired}, source)
    assert events == ["child", "load"]
    parse_module.clear_cache()
    monkeypatch.setattr(Prefetch, "start", staticmethod(lambda statements: None))
    assert plan_schema({"app": desired}, source) == first


def test_a_verdict_the_child_has_not_sent_yet_is_waited_for() -> None:
    """Asked at once, before the child has even imported sqlglot: the answer is the child's,
    not "no answer" (which would make this process import sqlglot and run the gate itself)."""
    statements = ["CREATE TABLE t (id int NOT NULL)", "CREATE TABLE t (id int DEFAULT (1 +))"]
    prefetch = Prefetch.start(MIN_STATEMENTS)
    assert prefetch is not None
    try:
        prefetch.send(statements)
        assert prefetch.verdict(statements[1]).startswith("sqlglot cannot parse")
        assert prefetch.verdict(statements[0]) == ""
        assert prefetch.verdict("CREATE TABLE t (other int)") is None  # never sent: no wait
        assert not prefetch._stalled
    finally:
        prefetch.close()


def fake_child(tmp_path, monkeypatch: pytest.MonkeyPatch, *lines: str) -> Prefetch:
    """A "child" that prints ``lines`` and then never answers again (until it is killed)."""
    script = tmp_path / "child.sh"
    printed = "".join(f"printf '%s\\n' '{line}'\n" for line in lines)
    script.write_text(f"#!/bin/sh\n{printed}exec sleep 600\n")
    script.chmod(0o755)
    monkeypatch.setattr(gate_module.sys, "executable", str(script))
    prefetch = Prefetch.start(MIN_STATEMENTS)
    assert prefetch is not None
    return prefetch


@pytest.mark.parametrize("ready", [True, False], ids=["stalls-when-ready", "never-ready"])
def test_a_child_that_stops_answering_is_waited_for_once(
    tmp_path, monkeypatch: pytest.MonkeyPatch, ready: bool
) -> None:
    monkeypatch.setattr(gate_module, "STALL_SECONDS", 0.05)
    monkeypatch.setattr(gate_module, "STARTUP_SECONDS", 0.05)
    prefetch = fake_child(tmp_path, monkeypatch, *(['"ready"'] if ready else []))
    try:
        prefetch.send(["CREATE TABLE t (id int)", "CREATE TABLE t (n int)"])
        assert prefetch.verdict("CREATE TABLE t (id int)") is None
        assert prefetch._stalled and prefetch._ready == ready  # the next one is not waited for
        assert prefetch.verdict("CREATE TABLE t (n int)") is None
    finally:
        prefetch.close()


def test_a_statement_the_child_could_not_judge_is_not_waited_for(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child's gate raised something other than a refusal: its "unanswered" line ends the
    wait, and the statement is validated here (the child stays one that answers)."""
    monkeypatch.setattr(gate_module, "STALL_SECONDS", 60.0)  # a missed line would hang here
    unanswered = '["CREATE TABLE t (id int)", "unanswered", ""]'
    prefetch = fake_child(tmp_path, monkeypatch, '"ready"', unanswered)
    try:
        prefetch.send(["CREATE TABLE t (id int)"])
        assert prefetch.verdict("CREATE TABLE t (id int)") is None
        assert not prefetch._stalled
    finally:
        prefetch.close()


def test_the_child_says_so_when_its_gate_fails_without_a_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import json

    def broken(statement: str):
        raise RuntimeError("not a refusal")

    monkeypatch.setattr(dialect_module, "validate_create", broken)
    out = io.BytesIO()
    gate_module._validate_and_send("CREATE TABLE t (id int)", out)
    assert json.loads(out.getvalue()) == ["CREATE TABLE t (id int)", "unanswered", ""]


def test_the_loop_parses_live_tables_while_the_next_gate_is_unanswered() -> None:
    """The loop never idles on a verdict while a statement without a gate is left, and takes
    the gated statements in their order (so each gate statement is the one the child got)."""
    from services.planner.prepass import prepare_create

    live = [f"CREATE TABLE `l{i}` (`id` int)" for i in range(3)]
    desired = [table(i) for i in range(3)]
    items = [(sql, Flavour.MARIADB, False, DEFAULT_LEVEL) for sql in live] + [
        (sql, Flavour.MARIADB, True, DEFAULT_LEVEL) for sql in desired
    ]
    order = [(bytes([i]), [i]) for i in range(len(items))]
    prepared = {sql: prepare_create(sql) for sql in desired}
    gates = [parse_module.gate_statement(prepared[sql], set())[0] for sql in desired]

    class Child:
        def __init__(self) -> None:
            self.answered: set[str] = set()

        def would_wait(self, statement: str) -> bool:
            return statement not in self.answered

    child = Child()
    schedule = parse_module._parse_order(order, len(live), items, prepared, child)  # type: ignore[arg-type]
    assert [next(schedule), next(schedule)] == [0, 1]  # no verdict yet: live tables
    child.answered.add(gates[0])
    assert next(schedule) == 3  # answered: the first desired statement
    assert next(schedule) == 2  # the second is not: the last live table
    assert list(schedule) == [4, 5]  # nothing else left: in order (the verdicts are awaited)
