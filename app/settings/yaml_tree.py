"""Typed access to parsed YAML with errors that name the path of the bad key.

Values are never echoed in messages: a DSN or password may sit in any string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from services.domain.errors import ConfigError


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error names the source, line and column, never the content."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{source}: malformed YAML{where}: {exc.problem}") from None
    except yaml.YAMLError:
        raise ConfigError(f"{source}: malformed YAML") from None


def join(path: str, key: str) -> str:
    """The dotted path of ``key`` under ``path``."""
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _wrong(path: str, expected: str, value: object) -> ConfigError:
    return ConfigError(f"{path}: expected {expected}, got {_kind(value)}")


def mapping(value: object, path: str, *, optional: bool = False) -> Mapping[str, Any]:
    """A mapping with string keys; ``None`` is an empty mapping when ``optional``."""
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise _wrong(path or "the config file", "a mapping", value)
    for key in value:
        if not isinstance(key, str):
            raise ConfigError(f"{path or 'the config file'}: keys must be strings")
    return value


def string(value: object, path: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise _wrong(path, "a string", value)
    if not value.strip():
        raise ConfigError(f"{path}: must not be empty")
    return value


def optional_string(node: Mapping[str, Any], key: str, path: str) -> str | None:
    """``node[key]`` as a non-empty string, or ``None`` when absent."""
    if node.get(key) is None:
        return None
    return string(node[key], join(path, key))


def scalar_text(value: object, path: str) -> str:
    """A scalar rendered as text (YAML may type ``true`` or ``3306``); booleans lower-cased."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise _wrong(path, "a string or number", value)


def boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong(path, "true or false", value)
    return value


def number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(path, "a number", value)
    return float(value)


def string_list(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _wrong(path, "a list of strings", value)
    return tuple(string(item, f"{path}[{index}]") for index, item in enumerate(value))
