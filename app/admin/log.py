"""The audit log and the mail outbox, as organisers see them."""

from __future__ import annotations

from math import ceil

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.admin.access import event_or_404, require_role, scope_country
from app.admin.blueprint import admin
from app.admin.forms import ActionForm
from app.extensions import db
from app.models import AuditEntry, CountryProgramme, OutboxMessage, Registration
from app.models.organisers import Role
from app.models.outbox import OutboxStatus
from app.services import audit, outbox
from app.services.audit import Actor

PER_PAGE = 100


def _scoped(query, registration_column):
    """Limit a query to the coordinator's programme through a registration."""
    country = scope_country()
    if country is None:
        return query
    return (
        query.join(Registration, registration_column == Registration.id)
        .join(CountryProgramme, Registration.programme_id == CountryProgramme.id)
        .where(CountryProgramme.code == country)
    )


@admin.get("/events/<slug>/log")
def audit_log(slug: str):
    event = event_or_404(slug)
    query = _scoped(
        select(AuditEntry).where(AuditEntry.event_id == event.id),
        AuditEntry.registration_id,
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(ceil(total / PER_PAGE), 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    entries = db.session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        # Each row links its registration: loaded with the page, not one
        # statement per row.
        .options(joinedload(AuditEntry.registration))
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "admin/audit_log.html", event=event, entries=entries, page=page, pages=pages
    )


@admin.get("/events/<slug>/outbox")
def outbox_page(slug: str):
    event = event_or_404(slug)
    base = _scoped(
        select(OutboxMessage).where(OutboxMessage.event_id == event.id),
        OutboxMessage.registration_id,
    )
    summary = base.subquery()
    counts = dict(
        db.session.execute(
            select(summary.c.status, func.count()).group_by(summary.c.status)
        ).all()
    )
    waiting = db.session.scalars(
        base.where(OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.FAILED)))
        .order_by(OutboxMessage.created_at.desc())
        .limit(PER_PAGE)
    ).all()
    return render_template(
        "admin/outbox.html",
        event=event,
        counts=counts,
        messages=waiting,
        form=ActionForm(),
    )


@admin.post("/events/<slug>/outbox/<int:message_id>/retry")
@require_role(Role.ADMIN, Role.ORGANISER)
def outbox_retry(slug: str, message_id: int):
    event = event_or_404(slug)
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.event_id != event.id:
        abort(404, description="There is no such message.")
    if not ActionForm().validate_on_submit():
        abort(400, description="The form was incomplete; go back and try again.")
    if message.status != OutboxStatus.FAILED:
        flash("Only a failed message can be retried.")
    else:
        outbox.retry_failed(message)
        audit.record(
            "mail_retried",
            Actor.organiser(current_user),
            event=event,
            note=f"{message.kind} to {message.recipient}",
        )
        db.session.commit()
        flash("The message is queued again.")
    return redirect(url_for("admin.outbox_page", slug=slug), code=303)
