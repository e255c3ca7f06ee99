"""One run at a time per database: the SLA sweep, the digest and SQLite delivery passes.

:func:`run_alone` is a context manager yielding ``True`` when this process got
the lock and ``False`` when another run holds it; the caller then skips and
says so instead of racing the other run.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on
  a connection of its own for the length of the run; the server drops it if the
  process dies.
- SQLite file: a lock file beside the database (the ``filelock`` library, an
  OS-level lock the kernel releases when the process dies).
- SQLite in memory (tests): a lock per engine inside this process.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from filelock import FileLock, Timeout

from leadshare.extensions import db

_memory_locks: dict[tuple[int, str], threading.Lock] = {}
_memory_guard = threading.Lock()


def lock_key(name: str) -> int:
    """A stable 32-bit key for an advisory lock named ``name``."""
    return zlib.crc32(f"leadshare:{name}".encode())


@contextmanager
def run_alone(name: str) -> Iterator[bool]:
    """Hold the lock ``name`` for this database while the block runs; yield whether we got it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            key = lock_key(name)
            got = bool(connection.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
            connection.commit()
            try:
                yield got
            finally:
                if got:
                    connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    connection.commit()
        return
    database = engine.url.database
    if database and database != ":memory:":
        lock = FileLock(str(Path(database).resolve()) + f".{name}.lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()
        return
    with _memory_guard:
        memory_lock = _memory_locks.setdefault((id(engine), name), threading.Lock())
    if not memory_lock.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        memory_lock.release()
