"""Counters that move whenever the data behind a cached page changes."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class DataVersion(db.Model):
    """A named counter, raised in every transaction that changes its data.

    ``registrations`` moves with every change to registrations, programmes or
    events: the organisers' dashboard and attendee counts are kept under it
    (see ``app.services.data_versions``).
    """

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
