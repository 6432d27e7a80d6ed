"""PyMySQL's DATETIME conversion through ``datetime.fromisoformat``: the same value for every
text, valid or not (zero dates stay text, as PyMySQL returns them)."""

from __future__ import annotations

import pymysql
import pytest
from pymysql.converters import convert_datetime
from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.storage.engine import create_storage_engine, fast_datetime

TEXTS = [
    "2026-01-02 03:04:05",
    "2026-01-02 03:04:05.123456",
    "2026-01-02 03:04:05.1",
    "2026-01-02T03:04:05",
    "0000-00-00 00:00:00",
    "2026-02-30 00:00:00",
    "2026-13-01 00:00:00",
    "2026-01-02 10:00+01:0",  # 19 characters, but a time zone: PyMySQL returns the text
    "2026-01-0\u0661 03:04:05",  # a non-ASCII digit PyMySQL's pattern accepts
    "garbage",
    b"2026-01-02 03:04:05",
]


@pytest.mark.parametrize("value", TEXTS)
def test_the_same_result_as_pymysql(value) -> None:
    ours, theirs = fast_datetime(value), convert_datetime(value)
    assert (ours, type(ours)) == (theirs, type(theirs))


def test_a_zero_date_in_storage_reads_as_pymysql_reads_it(mysql_database_url: str) -> None:
    engine = create_storage_engine(mysql_database_url)
    with engine.begin() as conn:
        conn.execute(text("SET SESSION sql_mode = ''"))
        conn.execute(text("CREATE TABLE stamps (id int PRIMARY KEY, at datetime NULL)"))
        conn.execute(text("INSERT INTO stamps VALUES (1, '0000-00-00 00:00:00'), (2, NOW())"))
    with engine.connect() as conn:
        ours = conn.execute(text("SELECT at FROM stamps ORDER BY id")).scalars().all()
    engine.dispose()
    url = make_url(mysql_database_url)
    plain = pymysql.connect(host=url.host, port=url.port or 3306, user=url.username,
                            password=url.password or "", database=url.database)  # fmt: skip
    with plain.cursor() as cursor:
        cursor.execute("SELECT at FROM stamps ORDER BY id")
        theirs = [r[0] for r in cursor.fetchall()]
    plain.close()
    assert ours == theirs and ours[0] == "0000-00-00 00:00:00"
