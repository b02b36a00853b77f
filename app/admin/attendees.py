"""The attendee list, its CSV, a registration's page and the organisers' actions."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin.access import (
    event_or_404,
    in_scope,
    registration_or_404,
    scope_country,
    visible_programmes,
)
from app.admin.blueprint import admin
from app.admin.forms import ActionForm
from app.exports import attendees_csv
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
    )


@admin.get("/events/<slug>/attendees.csv")
def attendees_download(slug: str):
    event = event_or_404(slug)
    filters = attendee_service.AttendeeFilters.from_args(request.args)
    rows = attendee_service.stream_attendees(event, filters, scope_country())
    filename = f"{event.slug}-attendees-{date.today():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(attendees_csv(rows, event.timezone)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@admin.get("/events/<slug>/registrations/<int:registration_id>")
def registration_detail(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    return render_template(
        "admin/registration.html",
        event=event,
        registration=registration,
        history=audit.history(registration),
        letter=visa_letters.latest_letter(registration),
        form=ActionForm(),
        waitlist_place=waitlist_place(registration),
    )


# Actions on a registration: (service, message when done). Those that destroy
# something are asked to be confirmed on a page of their own.
ACTIONS = {
    "approve": (registration_service.approve_registration, _l("Approved.")),
    "reject": (registration_service.reject_registration, _l("Rejected.")),
    "cancel": (registration_service.cancel_registration, _l("Cancelled.")),
    "resend": (registration_service.resend_confirmation, _l("Message queued.")),
    "check-in": (registration_service.check_in, _l("Checked in.")),
    "undo-check-in": (registration_service.undo_check_in, _l("Check-in undone.")),
    "confirm": (
        registration_service.confirm_from_waitlist,
        _l("Confirmed from the waiting list."),
    ),
    "approve-visa-letter": (
        visa_letters.approve_visa_letter,
        _l("Visa letter issued and sent to the delegate."),
    ),
    "refuse-visa-letter": (
        visa_letters.refuse_visa_letter,
        _l("Visa letter refused; the delegate is told why."),
    ),
    "revoke-visa-letter": (
        visa_letters.revoke_visa_letter,
        _l("Visa letter withdrawn."),
    ),
}
NEEDS_CONFIRMATION = {"reject", "cancel", "refuse-visa-letter"}
# A visa letter is the host's: organisers and admins decide, not coordinators.
FOR_THE_HOST = {"approve-visa-letter", "refuse-visa-letter", "revoke-visa-letter"}


@admin.route(
    "/events/<slug>/registrations/<int:registration_id>/<action>",
    methods=["GET", "POST"],
)
def registration_action(slug: str, registration_id: int, action: str):
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    if action not in ACTIONS:
        abort(404, description=_("There is no such action."))
    if action in FOR_THE_HOST and not current_user.role.sees_every_programme:
        abort(403, description=_("Only the organisers decide on visa letters."))
    form = ActionForm()
    if request.method == "GET":
        if action not in NEEDS_CONFIRMATION:
            abort(405)
        return _confirmation_page(event, registration, action, form)
    change, done = ACTIONS[action]
    if action == "confirm":
        change = partial(change, override_quota=bool(form.override_quota.data))
    if action == "check-in":
        change = partial(change, override=bool(form.override_status.data))
    if action == "refuse-visa-letter":
        change = partial(change, reason=form.reason.data or "")
    actor = Actor.organiser(current_user)
    if form.submit(lambda: change(registration, actor)):
        flash(str(done))  # the session keeps text, not a lazy string
    elif form.reason.errors:
        return _confirmation_page(event, registration, action, form), 422
    else:
        form.refused()
    return redirect(_back_to(event, registration), code=303)


def _confirmation_page(event, registration, action: str, form: ActionForm) -> str:
    template = (
        "admin/refuse_visa_letter.html"
        if action == "refuse-visa-letter"
        else "admin/confirm_action.html"
    )
    return render_template(
        template, event=event, registration=registration, action=action, form=form
    )


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
