"""One detection pass at a time, across every process that can reach the database.

Both kinds of lock are released by something outside this process when it dies (PostgreSQL
when the connection drops, the kernel when the file is closed), so a pass killed half-way never
leaves a lock behind that someone has to clear by hand or wait out:

- PostgreSQL: a session-level advisory lock, held on a connection of its own for the whole
  pass (the pass commits once per batch, so a transaction-level lock would not last).
- SQLite (development and tests): `flock` on a file beside the database. SQLite only works on a
  local file system, so every process that can write the database can see the lock file.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# How often a waiting caller tries again. Polling rather than blocking keeps Ctrl-C responsive.
POLL_SECONDS = 0.5

# For in-memory SQLite databases, which only one process can see anyway.
_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `name`, as pg_try_advisory_lock takes."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(
    engine: Engine,
    name: str,
    *,
    wait: bool,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[bool]:
    """Hold the lock `name` for the block; yields False at once if busy and not `wait`ing."""
    if engine.dialect.name == "postgresql":
        lock = _advisory(engine, name, wait, on_wait)
    else:
        lock = _file_lock(engine, name, wait, on_wait)
    with lock as held:
        yield held


def _poll(try_once: Callable[[], bool], wait: bool, on_wait: Callable[[], None] | None) -> bool:
    if try_once():
        return True
    if not wait:
        return False
    if on_wait is not None:
        on_wait()
    while not try_once():
        time.sleep(POLL_SECONDS)
    return True


@contextmanager
def _advisory(
    engine: Engine, name: str, wait: bool, on_wait: Callable[[], None] | None
) -> Iterator[bool]:
    key = advisory_key(name)
    # AUTOCOMMIT: the connection holds the lock without holding a transaction open for the
    # whole pass (which would pin old row versions and trip idle-in-transaction timeouts).
    conn: Connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:

        def try_once() -> bool:
            return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())

        held = _poll(try_once, wait, on_wait)
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        conn.close()


@contextmanager
def _file_lock(
    engine: Engine, name: str, wait: bool, on_wait: Callable[[], None] | None
) -> Iterator[bool]:
    database = engine.url.database
    if not database or database == ":memory:":
        with _process_lock(name, wait, on_wait) as held:
            yield held
        return
    import fcntl  # POSIX only, like the rest of the tooling (make, the shell scripts)

    path = Path(f"{database}.{name}.lock")
    # flock, not lockf: flock locks belong to the open file, so two threads of one process
    # (the cron job and the catch-up job) exclude each other too; lockf locks are per process.
    with path.open("a") as handle:

        def try_once() -> bool:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        held = _poll(try_once, wait, on_wait)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def _process_lock(name: str, wait: bool, on_wait: Callable[[], None] | None) -> Iterator[bool]:
    with _process_locks_guard:
        lock = _process_locks.setdefault(name, threading.Lock())
    held = _poll(lambda: lock.acquire(blocking=False), wait, on_wait)
    try:
        yield held
    finally:
        if held:
            lock.release()
