"""The table model as plain JSON data, and back, checking every value's type on the way in.

The persistent cache stores models in files another process could have written, so reading
one must never run code (no pickle) and must never build a model with a wrong-typed field.
Each dataclass is a JSON array of its fields in declaration order; the decoder is derived
from the dataclasses' own type hints, so a value of the wrong type, a missing or extra field
raises ``ValueError``. ``MODEL_SIGNATURE`` changes whenever a model class or field changes,
so entries written by another model shape are foreign.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import types
import typing
from collections.abc import Callable
from enum import Enum
from functools import cache

from services.planner import model
from services.planner.model import Table

Decoder = Callable[[object], object]


def encode_table(table: Table) -> list[object]:
    """``table`` as nested lists of str/int/bool/None (JSON-ready)."""
    return _encode(table)  # type: ignore[return-value]


def decode_table(data: object) -> Table:
    """The ``Table`` ``data`` encodes; ``ValueError`` when anything does not fit the model."""
    try:
        return _decoder_for(Table)(data)  # type: ignore[return-value]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a table model: {exc}") from None


def _encode(value: object) -> object:
    return _encoder_for(type(value))(value)


@cache
def _encoder_for(kind: type) -> Callable[[object], object]:
    """Fields in order; only nested values (dataclasses, tuples of them, enums) are converted."""
    hints = typing.get_type_hints(kind, vars(model))
    names = [f.name for f in dataclasses.fields(kind)]
    nested = [
        (position, _field_encoder(hints[name]))
        for position, name in enumerate(names)
        if _field_encoder(hints[name]) is not None
    ]
    getter = operator.attrgetter(*names)
    if len(names) == 1:  # attrgetter of one name returns the value, not a 1-tuple
        single = getter
        getter = lambda value: (single(value),)  # noqa: E731

    def encode(value: object) -> object:
        row = list(getter(value))
        for position, field in nested:
            row[position] = field(row[position])
        return row

    return encode


@cache
def _field_encoder(hint: object) -> Callable[[object], object] | None:
    """How a field of this hint becomes JSON data; ``None`` when it already is JSON data."""
    if isinstance(hint, type) and issubclass(hint, Enum):
        return operator.attrgetter("value")
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _encoder_for(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and _NONE in args:
        inner = _field_encoder(next(arg for arg in args if arg is not _NONE))
        return None if inner is None else (lambda value: None if value is None else inner(value))
    if origin is tuple:
        item = _field_encoder(args[0])
        return list if item is None else (lambda value: [item(entry) for entry in value])
    return None


_NONE = type(None)


@cache
def _decoder_for(hint: object) -> Decoder:
    """A decoder for a nested dataclass, a tuple, an optional value or a tuple item."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and _NONE in args:
        inner = _decoder_for(next(arg for arg in args if arg is not _NONE))
        return lambda value: None if value is None else inner(value)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _decoder_for(args[0])
        return lambda value: tuple(map(item, value))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    if hint in (str, int, bool):
        return _exact(hint)  # type: ignore[arg-type]
    raise TypeError(f"the model codec has no rule for {hint!r}")


def _exact(kind: type) -> Decoder:
    def decode(value: object) -> object:
        if type(value) is not kind:
            raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return decode


def _accepted_types(hint: object) -> frozenset[type]:
    """The JSON value types a field with this hint may hold (``list`` for nested values)."""
    if hint in (str, int, bool):
        return frozenset({hint})  # exact: a bool is no int here, and no int a bool
    if isinstance(hint, type) and issubclass(hint, Enum):
        return frozenset({str})
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and _NONE in args:
        inner = next(arg for arg in args if arg is not _NONE)
        return _accepted_types(inner) | {_NONE}
    if origin is tuple or (isinstance(hint, type) and dataclasses.is_dataclass(hint)):
        return frozenset({list})
    raise TypeError(f"the model codec has no rule for {hint!r}")


def _converter(hint: object) -> Decoder | None:
    """How a checked JSON value becomes the field's value; ``None`` when it already is."""
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if _accepted_types(hint) - {_NONE} == {list}:
        return _decoder_for(hint)
    return None


def _dataclass(kind: type) -> Decoder:
    """Check every field's JSON type in one pass (``map`` keeps the loop in C), then build."""
    hints = typing.get_type_hints(kind, vars(model))
    names = [f.name for f in dataclasses.fields(kind)]
    accepted = tuple(_accepted_types(hints[name]) for name in names)
    converters = [
        (position, converter)
        for position, name in enumerate(names)
        if (converter := _converter(hints[name])) is not None
    ]
    width = len(names)

    def decode(value: object) -> object:
        if type(value) is not list or len(value) != width:
            raise ValueError(f"expected {width} fields of {kind.__name__}")
        if not all(map(frozenset.__contains__, accepted, map(type, value))):
            raise ValueError(f"a field of {kind.__name__} has the wrong type")
        if converters:
            value = list(value)
            for position, converter in converters:
                value[position] = converter(value[position])
        return kind(*value)

    return decode


def _signature() -> str:
    """A short hash of every model class's name, fields and field types."""
    parts = []
    for name, kind in sorted(vars(model).items()):
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            fields = ",".join(f"{f.name}:{f.type}" for f in dataclasses.fields(kind))
            parts.append(f"{name}({fields})")
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:16]


MODEL_SIGNATURE = _signature()
