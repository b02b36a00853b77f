"""A consistent copy of the database, and putting one back.

PostgreSQL: ``pg_dump --format=custom`` (a snapshot, taken while the app
runs) and ``pg_restore``. SQLite: its online backup API, page by page under
a read lock. A restore goes only into an empty database: it never mixes a
backup with live rows.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url


class BackupError(Exception):
    pass


def backup(engine: Engine, path: Path) -> None:
    if engine.dialect.name == "sqlite":
        with _sqlite(engine) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
        return
    _run(engine, "pg_dump", "--format=custom", "--no-owner", f"--file={path}")


def restore(engine: Engine, path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables): a backup is "
            "restored only into an empty database."
        )
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(path)) as source, _sqlite(engine) as target:
            source.backup(target)
        return
    _run(engine, "pg_restore", "--no-owner", "--exit-on-error", str(path))


def _sqlite(engine: Engine) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(engine.url.database))


def _run(engine: Engine, program: str, *args: str) -> None:
    """Run pg_dump or pg_restore on the app's database; the password goes
    in the environment, not on a command line others can list."""
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed (Debian: apt-get install postgresql-client)."
        )
    # The programs are PostgreSQL's own, the arguments the app's own URL and
    # the path its administrator typed: nothing reaches a shell.
    url = make_url(engine.url).set(drivername="postgresql")
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    database = url.set(password=None).render_as_string(hide_password=False)
    done = subprocess.run(  # noqa: S603
        [program, *args, f"--dbname={database}"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()[:2000]}")
