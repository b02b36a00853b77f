"""The attendee list, its CSV, a registration's page and the organisers' actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user

from app.admin.access import (
    current_access,
    event_or_404,
    in_scope,
    registration_or_404,
    scope_country,
    visible_programmes,
)
from app.admin.blueprint import admin
from app.admin.downloads import (
    csv_download,
    download_name,
    spreadsheet_routes,
    workbook_download,
)
from app.admin.forms import ActionForm
from app.exports import attendees_csv, attendees_table
from app.models.registrations import CATEGORIES, STATUSES
from app.public.forms import EditRegistrationForm
from app.services import attendees as attendee_service
from app.services import audit, visa_letters
from app.services import checkin as checkin_service
from app.services import registration as registration_service
from app.services.audit import Actor
from app.services.seats import waitlist_place


@admin.get("/events/<slug>/attendees")
def attendees(slug: str):
    event = event_or_404(slug)
    filters = attendee_service.AttendeeFilters.from_args(request.args)
    listing = attendee_service.listing(
        event,
        filters,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ATTENDEES_PER_PAGE"],
        only_country=scope_country(),
    )
    return render_template(
        "admin/attendees.html",
        event=event,
        filters=filters,
        listing=listing,
        programmes=visible_programmes(event),
        statuses=STATUSES,
        categories=CATEGORIES,
        sorts=attendee_service.SORTS,
        invitations_pending=attendee_service.invitations_pending(
            event, scope_country()
        ),
        invitation_form=ActionForm(),
    )


@spreadsheet_routes("/events/<slug>/attendees")
def attendees_download(slug: str, kind: str):
    """The attendee list's selection, as CSV (streamed) or as a workbook."""
    event = event_or_404(slug)
    filters = attendee_service.AttendeeFilters.from_args(request.args)
    rows = attendee_service.stream_attendees(event, filters, scope_country())
    filename = download_name(event, "attendees", kind)
    if kind == "xlsx":
        return workbook_download(
            attendees_table(rows, event.timezone), filename, "attendees"
        )
    return csv_download(attendees_csv(rows, event.timezone), filename)


@admin.get("/events/<slug>/registrations/<int:registration_id>")
def registration_detail(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    letter = visa_letters.latest_letter(registration)
    return render_template(
        "admin/registration.html",
        event=event,
        registration=registration,
        history=audit.history(registration),
        letter=letter,
        letter_outdated=visa_letters.letter_is_outdated(letter),
        form=ActionForm(),
        waitlist_place=waitlist_place(registration),
    )


@dataclass(frozen=True)
class Action:
    """An organiser's action on a registration, behind a button."""

    change: Callable
    done: LazyString
    # The service's keyword arguments taken from the form.
    options: Callable[[ActionForm], dict] = lambda form: {}
    # Destructive actions are asked to be confirmed on a page of their own.
    confirmation_page: str | None = None
    # A visa letter is the host's: organisers and admins decide, not coordinators.
    for_the_host: bool = False


CONFIRM_PAGE = "admin/confirm_action.html"
ACTIONS = {
    "approve": Action(registration_service.approve_registration, _l("Approved.")),
    "reject": Action(
        registration_service.reject_registration,
        _l("Rejected."),
        confirmation_page=CONFIRM_PAGE,
    ),
    "cancel": Action(
        registration_service.cancel_registration,
        _l("Cancelled."),
        confirmation_page=CONFIRM_PAGE,
    ),
    "resend": Action(registration_service.resend_confirmation, _l("Message queued.")),
    "check-in": Action(
        registration_service.check_in,
        _l("Checked in."),
        options=lambda form: {"override": bool(form.override_status.data)},
    ),
    "undo-check-in": Action(registration_service.undo_check_in, _l("Check-in undone.")),
    "confirm": Action(
        registration_service.confirm_from_waitlist,
        _l("Confirmed from the waiting list."),
        options=lambda form: {"override_quota": bool(form.override_quota.data)},
    ),
    "approve-visa-letter": Action(
        visa_letters.approve_visa_letter,
        _l("Visa letter issued and sent to the delegate."),
        for_the_host=True,
    ),
    "refuse-visa-letter": Action(
        visa_letters.refuse_visa_letter,
        _l("Visa letter refused; the delegate is told why."),
        options=lambda form: {"reason": form.reason.data or ""},
        confirmation_page="admin/refuse_visa_letter.html",
        for_the_host=True,
    ),
    "revoke-visa-letter": Action(
        visa_letters.revoke_visa_letter,
        _l("Visa letter withdrawn."),
        for_the_host=True,
    ),
}


@admin.route(
    "/events/<slug>/registrations/<int:registration_id>/<action>",
    methods=["GET", "POST"],
)
def registration_action(slug: str, registration_id: int, action: str):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    chosen = ACTIONS.get(action) or abort(
        404, description=_("There is no such action.")
    )
    if chosen.for_the_host and not current_access().sees_every_programme:
        abort(403, description=_("Only the organisers decide on visa letters."))
    form = ActionForm()
    page = {"event": event, "registration": registration, "action": action}
    if request.method == "GET":
        if chosen.confirmation_page is None:
            abort(405)
        return render_template(chosen.confirmation_page, **page, form=form)
    actor = Actor.organiser(current_user)
    options = chosen.options(form)
    if form.submit(lambda: chosen.change(registration, actor, **options)):
        flash(str(chosen.done))  # the session keeps text, not a lazy string
    elif form.reason.errors and chosen.confirmation_page:
        # The refusal's reason in error: shown next to its field.
        return render_template(chosen.confirmation_page, **page, form=form), 422
    else:
        form.refused()
    return redirect(_back_to(event, registration), code=303)


def _back_to(event, registration) -> str:
    """Back to the check-in page when the action came from there."""
    if request.form.get("back") == "check-in":
        return url_for("admin.check_in", slug=event.slug, q=request.form.get("q", ""))
    if request.form.get("back") == "check-in-card":
        return url_for(
            "admin.check_in_card", slug=event.slug, code=registration.check_in_code
        )
    return url_for(
        "admin.registration_detail", slug=event.slug, registration_id=registration.id
    )


@admin.route(
    "/events/<slug>/registrations/<int:registration_id>/edit", methods=["GET", "POST"]
)
def registration_edit(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if registration.anonymised_at is not None:
        abort(409, description=_("This registration's personal data is deleted."))
    form = EditRegistrationForm(
        registration=registration,
        obj=registration_service.DelegateDetails.of(registration),
    )
    actor = Actor.organiser(current_user)
    details = form.delegate_details
    if form.submit(
        lambda: registration_service.update_details(registration, details(), actor)
    ):
        flash(_("Saved.") if form.result else _("Nothing was changed."))
        return redirect(_back_to(event, registration), code=303)
    return render_template(
        "admin/registration_edit.html",
        event=event,
        registration=registration,
        form=form,
    ), form.status_code


@admin.get("/events/<slug>/check-in")
def check_in(slug: str):
    event = event_or_404(slug)
    query = request.args.get("q", "").strip()[:200]
    code = checkin_service.code_in(query)
    if code and registration_service.registration_by_check_in_code(event, code):
        # A hand-held scanner types the badge's address, then Enter.
        return redirect(url_for("admin.check_in_card", slug=event.slug, code=code))
    return render_template(
        "admin/check_in.html",
        event=event,
        q=query,
        matches=checkin_service.find_delegates(event, query, scope_country()),
        present=checkin_service.present_by_programme(event, scope_country()),
        form=ActionForm(),
    )


@admin.get("/events/<slug>/check-in/<code>")
def check_in_card(slug: str, code: str):
    """The delegate a badge's QR code names, large, with the Check in button."""
    event = event_or_404(slug)
    registration = registration_service.registration_by_check_in_code(event, code)
    if registration is None or not in_scope(registration):
        abort(404, description=_("There is no delegate with this check-in code."))
    return render_template(
        "admin/check_in_card.html",
        event=event,
        registration=registration,
        form=ActionForm(),
    )
