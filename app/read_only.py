"""Reads that need no transaction run without one."""

from __future__ import annotations

from app.extensions import db


def read_without_transaction() -> None:
    """Run this request's statements in autocommit mode: no BEGIN, no ROLLBACK.

    Call before the first statement of a request that only reads. Under
    PostgreSQL's READ COMMITTED each statement sees its own snapshot inside a
    transaction too, so the request reads what it read before; the
    transaction only added two round trips to the server (BEGIN, then
    ROLLBACK as the session closed), as many as the statements of a public
    page that is checked against its cached copy.
    """
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
