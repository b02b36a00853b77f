"""The event's settings: details, programme sessions, seats, approval and window.

Admins only. Each form saves through ``app.services.event_settings``; a
refused value is shown next to its field and the whole form is rolled back.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.admin.access import event_or_404, require_role
from app.admin.blueprint import admin
from app.admin.events import programmes_part
from app.admin.settings_forms import (
    DeleteForm,
    EventDetailsForm,
    LetterSettingsForm,
    RegistrationRulesForm,
    SessionForm,
    seats_form,
    session_field,
    submitted_translation,
    translation_form,
)
from app.extensions import cache, db
from app.models import Event, ProgrammeSession
from app.models.organisers import Role
from app.services import event_settings as settings_service
from app.services import translations as translation_service
from app.services.audit import Actor
from app.services.event_settings import EventDetails
from app.services.events import seats_by_programme
from app.services.translations import EventTranslation


def _actor() -> Actor:
    return Actor.organiser(current_user)


def _saved(form, change) -> bool:
    """``form.submit(change)``; once saved, the public pages (which show these
    settings) are built afresh, not served from the cache."""
    if not form.submit(change):
        return False
    cache.clear()
    return True


def _to_overview(event: Event):
    return redirect(url_for("admin.event_settings", slug=event.slug), code=303)


def _to_sessions(event: Event):
    return redirect(url_for("admin.programme_sessions", slug=event.slug), code=303)


def _session_or_404(event: Event, session_id: int) -> ProgrammeSession:
    return db.first_or_404(
        select(ProgrammeSession).where(
            ProgrammeSession.id == session_id, ProgrammeSession.event_id == event.id
        ),
        description=_("There is no such session."),
    )


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
    if _saved(
        form,
        lambda: settings_service.update_event_details(
            event, form.event_details(), _actor()
        ),
    ):
        flash(_details_message(form.result))
        return _to_overview(event)
    return render_template(
        "admin/settings/details.html", form=form, event=event
    ), form.status_code


def _details_message(change: settings_service.DetailsChange) -> str:
    if not change.changed:
        return _("Nothing was changed.")
    if change.updates_queued:
        return ngettext(
            "Saved. An updated invitation is queued for the %(num)d confirmed "
            "delegate.",
            "Saved. An updated invitation is queued for each of the "
            "%(num)d confirmed delegates.",
            change.updates_queued,
        )
    return _("Saved.")


@admin.route("/events/<slug>/settings/letters", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def letter_settings(slug: str):
    event = event_or_404(slug)
    form = LetterSettingsForm(obj=event)
    if form.submit(
        lambda: settings_service.update_letter_settings(
            event, form.letter_settings(), _actor()
        )
    ):
        flash(_("Saved.") if form.result else _("Nothing was changed."))
        return _to_overview(event)
    return render_template(
        "admin/settings/letters.html", form=form, event=event
    ), form.status_code


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
    if _saved(
        form,
        lambda: settings_service.add_session(event, form.session_details(), _actor()),
    ):
        flash(_("The session is added to the programme."))
        return _to_sessions(event)
    return render_template(
        "admin/settings/session_form.html",
        form=form,
        event=event,
        programme_session=None,
    ), form.status_code


@admin.route(
    "/events/<slug>/settings/sessions/<int:session_id>/edit", methods=["GET", "POST"]
)
@require_role(Role.ADMIN)
def session_edit(slug: str, session_id: int):
    event = event_or_404(slug)
    session = _session_or_404(event, session_id)
    form = SessionForm(event=event, session=session)
    if _saved(
        form,
        lambda: settings_service.update_session(
            session, form.session_details(), _actor()
        ),
    ):
        flash(_("Saved.") if form.result else _("Nothing was changed."))
        return _to_sessions(event)
    return render_template(
        "admin/settings/session_form.html",
        form=form,
        event=event,
        programme_session=session,
    ), form.status_code


@admin.route(
    "/events/<slug>/settings/sessions/<int:session_id>/delete",
    methods=["GET", "POST"],
)
@require_role(Role.ADMIN)
def session_delete(slug: str, session_id: int):
    event = event_or_404(slug)
    session = _session_or_404(event, session_id)
    form = DeleteForm()
    if _saved(form, lambda: settings_service.delete_session(session, _actor())):
        flash(_("The session is removed from the programme."))
        return _to_sessions(event)
    if request.method == "POST":
        abort(400, description=_("The form was incomplete; go back and try again."))
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
    if _saved(
        form,
        lambda: settings_service.set_seat_limits(
            event, form.capacity.data, form.quotas(), _actor()
        ),
    ):
        flash(_seats_message(len(form.result)))
        return _to_overview(event)
    return render_template(
        "admin/settings/seats.html",
        form=form,
        seats={row.code: row for row in seats_by_programme(event)},
        **programmes_part(event),
    ), form.status_code


def _seats_message(promoted: int) -> str:
    if promoted == 0:
        return _("Saved. Nobody moved up from the waiting list.")
    return ngettext(
        "Saved. %(num)d delegate moved up from the waiting list.",
        "Saved. %(num)d delegates moved up from the waiting list.",
        promoted,
    )


@admin.route("/events/<slug>/settings/registration", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def registration_settings(slug: str):
    event = event_or_404(slug)
    form = RegistrationRulesForm(event=event)
    if _saved(
        form,
        lambda: settings_service.update_registration_rules(
            event, **form.rules(), actor=_actor()
        ),
    ):
        flash(_("Saved.") if form.result else _("Nothing was changed."))
        return _to_overview(event)
    return render_template(
        "admin/settings/registration.html", form=form, event=event
    ), form.status_code


@admin.get("/events/<slug>/settings/translations")
@require_role(Role.ADMIN)
def translations(slug: str):
    event = event_or_404(slug)
    return render_template(
        "admin/settings/translations.html",
        event=event,
        progress=translation_service.progress(event),
    )


@admin.route("/events/<slug>/settings/translations/<language>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def translation(slug: str, language: str):
    event = event_or_404(slug)
    if language not in translation_service.other_languages(event):
        abort(404, description=_("There is no such language for this event."))
    form = translation_form(event, EventTranslation.of(event, language))
    if _saved(
        form,
        lambda: translation_service.translate_event(
            event, submitted_translation(form, event, language), _actor()
        ),
    ):
        flash(_("Saved.") if form.result else _("Nothing was changed."))
        return redirect(url_for("admin.translations", slug=event.slug), code=303)
    return (
        render_template(
            "admin/settings/translation.html",
            event=event,
            form=form,
            language=language,
            session_field=session_field,
        ),
        form.status_code,
    )
