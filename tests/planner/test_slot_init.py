"""The model classes' direct ``__init__`` (``slot_init``): the dataclass's signature and
behaviour, only faster; the classes stay frozen."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from services.planner import model
from services.planner.api import Flavour
from services.planner.slot_init import direct_init

MODEL_CLASSES = [
    kind
    for kind in vars(model).values()
    if isinstance(kind, type)
    and dataclasses.is_dataclass(kind)
    and kind.__module__ == model.__name__
]


def generated_twin(kind: type) -> type:
    """The same fields in a plain frozen slotted dataclass: the ``__init__`` dataclasses makes."""
    fields = [
        (f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory))
        for f in dataclasses.fields(kind)
    ]
    return dataclasses.make_dataclass(kind.__name__, fields, frozen=True, slots=True)


@pytest.mark.parametrize("kind", MODEL_CLASSES, ids=lambda kind: kind.__name__)
def test_every_model_class_has_the_direct_init_with_the_dataclass_signature(kind: type) -> None:
    stores = kind.__init__.__code__.co_names  # through each slot, not object.__setattr__
    assert [f"_set_{f.name}" for f in dataclasses.fields(kind)] == [
        n for n in stores if n[:5] == "_set_"
    ]
    ours = inspect.signature(kind.__init__).parameters
    theirs = inspect.signature(generated_twin(kind).__init__).parameters
    assert [(p.name, p.kind) for p in ours.values()] == [(p.name, p.kind) for p in theirs.values()]
    for name, parameter in ours.items():
        if parameter.default is not inspect.Parameter.empty and name != "self":
            field = next(f for f in dataclasses.fields(kind) if f.name == name)
            if field.default_factory is dataclasses.MISSING:
                assert parameter.default == field.default


def test_positional_keyword_defaults_and_factories_build_the_same_objects() -> None:
    default = model.Default("string", "x", "x")
    column = model.Column("id", "int", ("11",), True, default=default, comment="c")
    assert (column.name, column.type, column.args, column.unsigned) == ("id", "int", ("11",), True)
    assert (column.default, column.comment, column.nullable, column.check_key) == (
        default,
        "c",
        True,
        None,
    )
    table = model.Table("t", Flavour.MYSQL, (column,))
    assert table.options == model.Options() and table.indexes == () and table.partitioning is None
    other = model.Table("u", Flavour.MYSQL, ())
    assert other.options is not table.options  # a fresh default per object, as declared
    assert dataclasses.replace(column, name="k") == model.Column(
        "k", "int", ("11",), True, default=default, comment="c"
    )
    with pytest.raises(TypeError):
        model.Column("id")  # type is required
    with pytest.raises(TypeError):
        model.Column("id", "int", color="red")
    with pytest.raises(TypeError):
        model.Default("a", "b", "c", "d")


def test_the_classes_stay_frozen_equal_and_hashable() -> None:
    column = model.Column("id", "int")
    with pytest.raises(dataclasses.FrozenInstanceError):
        column.name = "other"  # type: ignore[misc]
    assert column == model.Column("id", "int") and hash(column) == hash(model.Column("id", "int"))
    assert {column: 1}[model.Column("id", "int")] == 1


def test_only_a_slotted_dataclass_with_plain_fields_gets_one() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class KeywordOnly:
        a: int

    with pytest.raises(TypeError, match="not a slotted dataclass"):
        direct_init(NoSlots)
    with pytest.raises(TypeError, match="only plain init fields"):
        direct_init(KeywordOnly)
