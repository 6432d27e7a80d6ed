"""Id arrays on PostgreSQL storage go out through the console's own dumper (``pg_id_array``):
the text psycopg's dumper writes, typed ``int8[]``, and nothing but ints."""

from __future__ import annotations

import pytest
from psycopg.adapt import PyFormat, Transformer
from sqlalchemy import select

from services.storage.dialect_sql import id_filter
from services.storage.pg_id_array import Ids, IdsDumper, array_text
from services.storage.schema import tasks
from services.storage.store import Storage
from tests.storage_generations.scenario import seed_failed_apply

EDGES = [0, 1, -1, 7, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63)]


@pytest.mark.parametrize("ids", [[], [5], EDGES, list(range(1, 4801))])
def test_the_text_is_the_one_psycopgs_own_list_dumper_writes(ids: list[int]) -> None:
    theirs = Transformer().get_dumper(ids, PyFormat.TEXT).dump(ids)
    assert array_text(ids) == bytes(theirs)


@pytest.mark.parametrize("element", ["1}", "2", 1.5, None, b"3"])
def test_an_element_that_is_not_an_int_is_refused_not_written(element: object) -> None:
    with pytest.raises(TypeError):
        array_text([1, element, 3])  # type: ignore[list-item]


def test_storage_connections_dump_ids_as_one_int8_array(g2_postgres_url: str, tmp_path) -> None:
    seeded = seed_failed_apply(g2_postgres_url, tmp_path)
    storage = Storage.from_url(g2_postgres_url)
    try:
        with storage.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw.adapters.get_dumper(Ids, PyFormat.AUTO) is IdsDumper
            cursor = raw.cursor()
            cursor.execute("SELECT pg_typeof(%s)::text", [Ids([1, 2])])
            assert cursor.fetchone() == ("bigint[]",)  # psycopg's own: smallint[] for these
            cursor.execute("SELECT pg_typeof(%s)::text", [[1, 2]])
            assert cursor.fetchone() == ("smallint[]",)
            wanted = [seeded.task_id, seeded.task_id + 10**6, 2**63 - 1]
            among = id_filter("postgresql", tasks.c.id, wanted)
            assert isinstance(among.params[next(iter(among.params))], Ids)
            found = conn.execute(select(tasks.c.id).where(among.clause), among.params).scalars()
            assert list(found) == [seeded.task_id]
    finally:
        storage.engine.dispose()
