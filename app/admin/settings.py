"""The event's settings: details, programme sessions, seats, approval and window.

Admins only. Each form saves through ``app.services.event_settings``; a
refused value is shown next to its field and the whole form is rolled back.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin.access import event_or_404, require_role
from app.admin.blueprint import admin
from app.admin.settings_forms import (
    DeleteForm,
    EventDetailsForm,
    RegistrationRulesForm,
    SessionForm,
    seats_form,
)
from app.extensions import cache, db
from app.models import Event, ProgrammeSession
from app.models.organisers import Role
from app.services import event_settings as settings_service
from app.services.audit import Actor
from app.services.event_settings import EventDetails, SettingsError
from app.services.events import seats_by_programme


def _actor() -> Actor:
    return Actor.organiser(current_user)


def _commit() -> None:
    db.session.commit()
    # The event page and calendar files show these settings: not a kept copy.
    cache.clear()


def _to_overview(event: Event):
    return redirect(url_for("admin.event_settings", slug=event.slug), code=303)


def _refused(form, error: SettingsError) -> None:
    """Undo everything the form changed and show why next to the field."""
    db.session.rollback()
    field = form._fields.get(error.field)
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors = [*field.errors, str(error)]


def _render(template: str, form, **context):
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _session_or_404(event: Event, session_id: int) -> ProgrammeSession:
    session = db.session.scalar(
        select(ProgrammeSession).where(
            ProgrammeSession.id == session_id, ProgrammeSession.event_id == event.id
        )
    )
    if session is None:
        abort(404, description="There is no such session.")
    return session


@admin.get("/events/<slug>/settings")
@require_role(Role.ADMIN)
def event_settings(slug: str):
    event = event_or_404(slug)
    return render_template(
        "admin/settings/index.html",
        event=event,
        seats=seats_by_programme(event),
        sessions=event.sessions,
    )


@admin.route("/events/<slug>/settings/details", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def event_details_settings(slug: str):
    event = event_or_404(slug)
    form = EventDetailsForm(obj=EventDetails.of(event))
    if form.validate_on_submit():
        try:
            change = settings_service.update_event_details(
                event, form.event_details(), _actor()
            )
        except SettingsError as error:
            _refused(form, error)
        else:
            _commit()
            flash(_details_message(change))
            return _to_overview(event)
    return _render("admin/settings/details.html", form, event=event)


def _details_message(change: settings_service.DetailsChange) -> str:
    if not change.changed:
        return "Nothing was changed."
    if change.updates_queued:
        return (
            f"Saved. An updated invitation is queued for each of the "
            f"{change.updates_queued} confirmed delegates."
        )
    return "Saved."


@admin.get("/events/<slug>/settings/sessions")
@require_role(Role.ADMIN)
def programme_sessions(slug: str):
    event = event_or_404(slug)
    return render_template(
        "admin/settings/sessions.html", event=event, sessions=event.sessions
    )


@admin.route("/events/<slug>/settings/sessions/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def session_add(slug: str):
    event = event_or_404(slug)
    form = SessionForm(event=event, session=None)
    if form.validate_on_submit():
        try:
            settings_service.add_session(event, form.session_details(), _actor())
        except SettingsError as error:
            _refused(form, error)
        else:
            _commit()
            flash("The session is added to the programme.")
            return redirect(url_for("admin.programme_sessions", slug=slug), code=303)
    return _render(
        "admin/settings/session_form.html", form, event=event, programme_session=None
    )


@admin.route(
    "/events/<slug>/settings/sessions/<int:session_id>/edit", methods=["GET", "POST"]
)
@require_role(Role.ADMIN)
def session_edit(slug: str, session_id: int):
    event = event_or_404(slug)
    session = _session_or_404(event, session_id)
    form = SessionForm(event=event, session=session)
    if form.validate_on_submit():
        try:
            changed = settings_service.update_session(
                session, form.session_details(), _actor()
            )
        except SettingsError as error:
            _refused(form, error)
        else:
            _commit()
            flash("Saved." if changed else "Nothing was changed.")
            return redirect(url_for("admin.programme_sessions", slug=slug), code=303)
    return _render(
        "admin/settings/session_form.html", form, event=event, programme_session=session
    )


@admin.route(
    "/events/<slug>/settings/sessions/<int:session_id>/delete",
    methods=["GET", "POST"],
)
@require_role(Role.ADMIN)
def session_delete(slug: str, session_id: int):
    event = event_or_404(slug)
    session = _session_or_404(event, session_id)
    form = DeleteForm()
    if form.validate_on_submit():
        settings_service.delete_session(session, _actor())
        _commit()
        flash("The session is removed from the programme.")
        return redirect(url_for("admin.programme_sessions", slug=slug), code=303)
    if request.method == "POST":
        abort(400, description="The form was incomplete; go back and try again.")
    return render_template(
        "admin/settings/session_delete.html",
        event=event,
        programme_session=session,
        form=form,
    )


@admin.route("/events/<slug>/settings/seats", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def seat_settings(slug: str):
    event = event_or_404(slug)
    form = seats_form(event)
    if form.validate_on_submit():
        try:
            promoted = settings_service.set_seat_limits(
                event, form.capacity.data, form.quotas(), _actor()
            )
        except SettingsError as error:
            _refused(form, error)
        else:
            _commit()
            flash(_seats_message(len(promoted)))
            return _to_overview(event)
    return _render(
        "admin/settings/seats.html",
        form,
        event=event,
        seats={row.code: row for row in seats_by_programme(event)},
    )


def _seats_message(promoted: int) -> str:
    if promoted == 0:
        return "Saved. Nobody moved up from the waiting list."
    if promoted == 1:
        return "Saved. 1 delegate moved up from the waiting list."
    return f"Saved. {promoted} delegates moved up from the waiting list."


@admin.route("/events/<slug>/settings/registration", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def registration_settings(slug: str):
    event = event_or_404(slug)
    form = RegistrationRulesForm(event=event)
    if form.validate_on_submit():
        opens_at, closes_at = form.window()
        try:
            changed = settings_service.update_registration_rules(
                event,
                approval_required=bool(form.approval_required.data),
                confirm_email=bool(form.confirm_email.data),
                opens_at=opens_at,
                closes_at=closes_at,
                actor=_actor(),
            )
        except SettingsError as error:
            _refused(form, error)
        else:
            _commit()
            flash("Saved." if changed else "Nothing was changed.")
            return _to_overview(event)
    return _render("admin/settings/registration.html", form, event=event)
