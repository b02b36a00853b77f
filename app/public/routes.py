"""Delegate-facing pages: the event, registration, calendar files, the manage page."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import timedelta
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app import ical
from app.calendar_responses import CalendarFile, calendar_response
from app.extensions import cache, db, limiter
from app.i18n import current_language, language_query
from app.models.types import utcnow
from app.public import registration_or_404
from app.public.forms import (
    CancelForm,
    EditRegistrationForm,
    LostLinkForm,
    RegistrationForm,
)
from app.security import limit, lost_link_email_key
from app.services import audit, seats, teams, visa_letters
from app.services import checkin as checkin_service
from app.services import events as event_service
from app.services import lists as list_service
from app.services import registration as registration_service
from app.services.links import request_for_token
from app.services.registration import (
    RegistrationError,
    RequestExpired,
    registration_window_message,
)
from app.urls import external_url

public = Blueprint("public", __name__)
log = logging.getLogger(__name__)


def _event_or_404(slug: str):
    """The event at ``slug``; a draft only for the organisers of its team,
    who see it marked ``noindex`` and never cached."""
    try:
        event = event_service.event_by_slug(slug)
    except event_service.EventNotFound:
        abort(404, description=_("There is no event at this address."))
    if not event.status.is_public:
        if not (current_user.is_authenticated and teams.access_to(event, current_user)):
            abort(404, description=_("There is no event at this address."))
        g.draft_preview = True
    return event


@public.after_request
def hide_drafts(response):
    """A draft's pages, seen by its organisers, are kept by no cache and
    indexed by no search engine."""
    if g.get("draft_preview"):
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def kept(key: str, build):
    """The value cached under ``key`` in the reader's language, or
    ``build()``'s, cached now (unless it shows a draft).

    Keys are plain strings: Flask-Caching's ``memoize`` inspected the
    function's signature on every call, which cost more than the page. A
    cache that cannot be reached (Redis down) only costs the building."""
    key = f"{key}/{current_language()}"
    try:
        value = cache.get(key)
    except Exception:
        log.warning("page cache unreachable; building %s", key, exc_info=True)
        return build()
    if value is None:
        value = build()
        if not g.get("draft_preview"):
            with suppress(Exception):
                cache.set(key, value)
    return value


@public.get("/")
def home():
    """The one event there is to show, else the list of public events."""
    return _page_response("front-page", _front_page_html)


@public.get("/events/<slug>/")
def event_page(slug: str):
    return _page_response(f"event-page/{slug}", lambda: _event_html(slug))


def _page_response(key: str, build):
    """A page the same for every visitor (no form, no cookie): kept whole
    for PAGE_CACHE_SECONDS, by the app and by any proxy."""
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        # A visitor with a session (an organiser, a message waiting): the
        # answer may carry their cookie, so no shared cache may keep it.
        if "_flashes" in session:  # a message for this visitor alone
            return build()
        cache_control = "private, no-cache"
    else:
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        cache_control = f"public, max-age={seconds}"
    return kept(key, build), {"Cache-Control": cache_control}


def _front_page_html() -> str:
    forced = current_app.config["DEFAULT_EVENT_SLUG"]
    if forced:
        return _event_html(forced)
    upcoming, past = event_service.front_page_events(utcnow().date())
    if len(upcoming) == 1 or (not upcoming and len(past) == 1):
        return _event_html((upcoming or past)[0].slug)
    if not upcoming and not past:
        abort(404, description=_("No event has been published yet."))
    return render_template(
        "public/events.html",
        upcoming=upcoming,
        past=past,
        seats_left=event_service.seats_left,
    )


def _event_html(slug: str) -> str:
    event = _event_or_404(slug)
    return render_template(
        "public/event.html",
        event=event,
        seats=event_service.seats_by_programme(event),
        programme=event.programme_by_day(current_language()),
        closed_message=registration_window_message(event, utcnow()),
        links=calendar_links(event),
    )


def _event_url(event) -> str:
    return external_url("public.event_page", slug=event.slug)


def calendar_links(event) -> dict[str, str]:
    """The page's calendar links, in the reader's language: a calendar app
    that subscribes sends no cookie, so the language goes in the address."""
    language = current_language()
    in_language = language_query(language)
    agenda = external_url("public.agenda_ics", slug=event.slug, **in_language)
    # Google, like iCalendar, takes the day after the last day as the end.
    last_day_exclusive = event.ends_on + timedelta(days=1)
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": event.text_in("title", language).text,
            "dates": f"{event.starts_on:%Y%m%d}/{last_day_exclusive:%Y%m%d}",
            "details": f"{event.text_in('summary', language)}\n{_event_url(event)}",
            "location": event.text_in("location", language).text,
            "ctz": event.timezone,
        }
    )
    return {
        "event_ics": url_for("public.event_ics", slug=event.slug, **in_language),
        "agenda_ics": url_for("public.agenda_ics", slug=event.slug, **in_language),
        "webcal": "webcal://" + agenda.split("://", 1)[1],
        "google": google,
    }


@public.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(limit("REGISTER_RATE_LIMIT"), methods=["POST"])
def register(slug: str):
    event = _event_or_404(slug)
    form = RegistrationForm(
        event=event,
        check_deliverability=current_app.config["EMAIL_CHECK_DELIVERABILITY"],
    )
    closed_message = registration_window_message(event, utcnow())
    if closed_message is None and form.submit(
        lambda: _register(event, form.delegate_details())
    ):
        return redirect(form.result, code=303)
    status = 403 if closed_message and request.method == "POST" else form.status_code
    return render_template(
        "public/register.html", event=event, form=form, closed_message=closed_message
    ), status


def _register(event, details) -> str:
    """Register (or, where addresses are checked, ask to confirm); where next."""
    if event.confirm_email:
        # The same answer whether or not the address is registered already.
        registration_service.request_registration(
            event, details, privacy_notice_version=event.privacy_notice_version
        )
        return url_for("public.check_email", slug=event.slug)
    created = registration_service.register_delegate(
        event, details, privacy_notice_version=event.privacy_notice_version
    )
    return url_for("public.manage", token=created.token)


@public.get("/events/<slug>/register/check-email")
def check_email(slug: str):
    return render_template("public/check_email.html", event=_event_or_404(slug))


@public.get("/events/<slug>/confirm/<token>")
def confirm_address(slug: str, token: str):
    """The link mailed to check an address: opening it registers the delegate."""
    registration_request = request_for_token(token)
    if registration_request is None or registration_request.event.slug != slug:
        abort(
            404,
            description=_(
                "This confirmation link is not valid. It may have expired "
                "or been replaced by a newer one: fill in the form again."
            ),
        )
    try:
        created = registration_service.confirm_request(registration_request)
    except RequestExpired as error:
        db.session.rollback()
        abort(410, description=str(error))
    except RegistrationError as error:
        db.session.rollback()
        abort(409, description=str(error))
    db.session.commit()
    return redirect(url_for("public.manage", token=created.token), code=303)


@public.get("/events/<slug>/participants")
def participants(slug: str):
    event = _event_or_404(slug)
    response = make_response(
        render_template(
            "public/participants.html",
            event=event,
            groups=list_service.public_participants(event),
        )
    )
    # Delegates agreed to appear on the event's page, not in search engines.
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@public.get("/events/<slug>/privacy")
def privacy(slug: str):
    return render_template("public/privacy.html", event=_event_or_404(slug))


@public.get("/events/<slug>/event.ics")
def event_ics(slug: str):
    calendar = kept(f"event.ics/{slug}", lambda: _event_calendar(slug))
    return calendar_response(calendar, inline=False)


@public.get("/events/<slug>/agenda.ics")
def agenda_ics(slug: str):
    calendar = kept(f"agenda.ics/{slug}", lambda: _agenda_calendar(slug))
    return calendar_response(calendar, inline=True)


def _event_calendar(slug: str) -> CalendarFile:
    event = _event_or_404(slug)
    body = ical.event_calendar(event, _event_url(event), current_language())
    return CalendarFile.of(body, f"{slug}.ics", event.updated_at)


def _agenda_calendar(slug: str) -> CalendarFile:
    event = _event_or_404(slug)
    body = ical.agenda_calendar(
        event, event.sessions, _event_url(event), current_language()
    )
    changed = max([event.updated_at, *(s.updated_at for s in event.sessions)])
    return CalendarFile.of(body, f"{slug}-agenda.ics", changed)


@public.get("/r/<token>")
def manage(token: str):
    registration = registration_or_404(token)
    return render_template(
        "public/manage.html",
        registration=registration,
        event=registration.event,
        token=token,
        links=calendar_links(registration.event),
        waitlist_place=seats.waitlist_place(registration),
        letter=visa_letters.latest_letter(registration),
        certificate_available=checkin_service.certificate_available(
            registration, utcnow()
        ),
        link_form=CancelForm(),
    )


@public.get("/r/<token>/invite.ics")
def invite_ics(token: str):
    registration = registration_or_404(token)
    body = ical.personal_invitation(registration, _event_url(registration.event))
    calendar = CalendarFile.of(body, "invite.ics", registration.updated_at)
    return calendar_response(calendar, inline=False, private=True)


@public.route("/r/<token>/edit", methods=["GET", "POST"])
def edit(token: str):
    registration = registration_or_404(token)
    if registration.status.is_closed:
        abort(409, description=_("A closed registration cannot be changed."))
    form = EditRegistrationForm(
        registration=registration,
        obj=registration_service.DelegateDetails.of(registration),
        check_deliverability=current_app.config["EMAIL_CHECK_DELIVERABILITY"],
    )
    if form.submit(
        lambda: registration_service.update_details(
            registration, form.delegate_details(), audit.DELEGATE
        )
    ):
        flash(
            _("Your changes are saved.") if form.result else _("Nothing was changed.")
        )
        return redirect(url_for("public.manage", token=token), code=303)
    return render_template(
        "public/edit.html", form=form, registration=registration, token=token
    ), form.status_code


@public.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    registration = registration_or_404(token)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            registration_service.cancel_registration(registration, audit.DELEGATE)
        except RegistrationError as error:
            db.session.rollback()
            abort(409, description=str(error))
        db.session.commit()
        flash(_("Your registration is cancelled. We have sent you a confirmation."))
        return redirect(url_for("public.manage", token=token), code=303)
    return render_template(
        "public/cancel.html", form=form, registration=registration, token=token
    )


@public.route("/events/<slug>/lost-link", methods=["GET", "POST"])
@limiter.limit(limit("LOST_LINK_ADDRESS_LIMIT"), methods=["POST"])
@limiter.limit(
    limit("LOST_LINK_EMAIL_LIMIT"), key_func=lost_link_email_key, methods=["POST"]
)
def lost_link(slug: str):
    event = _event_or_404(slug)
    form = LostLinkForm()
    if form.submit(lambda: registration_service.resend_link(event, form.email.data)):
        return render_template("public/lost_link_sent.html", event=event)
    return render_template(
        "public/lost_link.html", event=event, form=form
    ), form.status_code
