"""The review token binds the pre-flight's depth: it survives the string form, a token written
before the depth was recorded reads as not deep, and a depth change is named."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

from services.preflight import PreflightReport, Verdict
from services.redrive.token import build_token, decode_token, describe_token_changes, encode_token
from tests.redrive.review_support import make_apply, make_task


def token(deep: bool):
    report = PreflightReport((), Verdict.UNKNOWN, deep=deep)
    return build_token(make_apply(), [make_task(1, "users", "failed")], [], None, "f" * 64, report)


def test_the_depth_survives_the_string_form() -> None:
    assert decode_token(encode_token(token(True))).preflight_deep is True
    assert decode_token(encode_token(token(False))).preflight_deep is False


def test_a_token_without_the_depth_reads_as_not_deep() -> None:
    body = encode_token(token(True)).removeprefix("rt1.")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    del payload["pd"]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    old = "rt1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert decode_token(old) == replace(token(True), preflight_deep=False)


def test_a_depth_change_is_named_and_nothing_else_is() -> None:
    assert describe_token_changes(token(True), token(False)) == [
        "the review's pre-flight was deep and this one is not: redrive with --deep"
    ]
    assert describe_token_changes(token(False), token(True)) == [
        "the review's pre-flight was not deep and this one is: review with --deep first"
    ]
    assert describe_token_changes(token(True), token(True)) == []
