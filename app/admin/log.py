"""The audit log and the mail outbox, as organisers see them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.access import event_or_404, require_role, scope_country
from app.admin.blueprint import admin
from app.admin.forms import ActionForm
from app.extensions import db
from app.models import OutboxMessage
from app.models.organisers import Role
from app.services import audit, outbox
from app.services.audit import Actor


@admin.get("/events/<slug>/log")
def audit_log(slug: str):
    event = event_or_404(slug)
    page = audit.log_page(
        event, request.args.get("page", 1, type=int), only_country=scope_country()
    )
    return render_template("admin/audit_log.html", event=event, page=page)


@admin.get("/events/<slug>/outbox")
def outbox_page(slug: str):
    event = event_or_404(slug)
    counts, waiting = outbox.overview(event, only_country=scope_country())
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
    message = db.first_or_404(
        select(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.event_id == event.id
        ),
        description=_("There is no such message."),
    )
    form = ActionForm()
    if form.act(lambda: outbox.retry_failed(message, Actor.organiser(current_user))):
        flash(_("The message is queued again."))
    return redirect(url_for("admin.outbox_page", slug=slug), code=303)
