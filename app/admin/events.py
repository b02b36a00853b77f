"""Making events: a new one, a clone, its life cycle, its team and the
programmes taking part (admins), and the invited organiser's first password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.access import event_or_404, require_role
from app.admin.blueprint import admin
from app.admin.event_forms import (
    CloneForm,
    ContactForm,
    NewEventForm,
    ProgrammeForm,
    SetPasswordForm,
    StatusForm,
    TeamMemberForm,
)
from app.admin.forms import ActionForm
from app.extensions import cache, db
from app.models import TeamMember
from app.models.organisers import Role
from app.services import event_setup, teams
from app.services import organisers as organiser_service
from app.services.audit import Actor
from app.services.events import seats_by_programme
from app.services.links import organiser_for_password_token


def _actor() -> Actor:
    return Actor.organiser(current_user)


def _to_settings(event):
    return redirect(url_for("admin.event_settings", slug=event.slug), code=303)


@admin.route("/events/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def new_event():
    form = NewEventForm()
    if form.submit(lambda: event_setup.create_event(form.new_event(), _actor())):
        flash(
            _(
                "The event is created as a draft: add its country programmes "
                "and sessions, then publish it."
            )
        )
        return _to_settings(form.result)
    return render_template("admin/new_event.html", form=form), form.status_code


@admin.route("/events/<slug>/clone", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def clone_event(slug: str):
    source = event_or_404(slug)
    form = CloneForm(source)
    if form.submit(
        lambda: event_setup.clone_event(
            source,
            slug=form.slug.data,
            title=form.title.data,
            starts_on=form.starts_on.data,
            timezone=form.timezone.data or None,
            actor=_actor(),
        )
    ):
        flash(
            _("The copy is a draft with no registrations. Check it, then publish it.")
        )
        return _to_settings(form.result)
    return render_template(
        "admin/clone_event.html", event=source, form=form
    ), form.status_code


@admin.route("/events/<slug>/settings/status", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def event_status(slug: str):
    event = event_or_404(slug)
    form = StatusForm(data={"status": event.status.value})
    if form.submit(lambda: event_setup.set_status(event, form.status.data, _actor())):
        cache.clear()  # the public pages show (or hide) the event
        flash(_("The event is now %(status)s.", status=event.status.label))
        return redirect(url_for("admin.event_status", slug=event.slug), code=303)
    return render_template(
        "admin/settings/status.html", event=event, form=form
    ), form.status_code


@admin.route("/events/<slug>/team", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def event_team(slug: str):
    event = event_or_404(slug)
    form = TeamMemberForm(event)
    if form.submit(
        lambda: teams.invite(
            event, form.email.data, form.role.data, form.country.data or None, _actor()
        )
    ):
        flash(_("%(email)s is in the team.", email=form.email.data))
        return redirect(url_for("admin.event_team", slug=event.slug), code=303)
    return render_template(
        "admin/team.html",
        event=event,
        form=form,
        members=teams.team(event),
        action=ActionForm(),
    ), form.status_code


@admin.post("/events/<slug>/team/<int:member_id>/remove")
@require_role(Role.ADMIN)
def team_member_remove(slug: str, member_id: int):
    event = event_or_404(slug)
    member = db.session.scalar(
        select(TeamMember).where(
            TeamMember.id == member_id, TeamMember.event_id == event.id
        )
    ) or abort(404, description=_("There is no such member of the team."))
    email = member.organiser.email
    if ActionForm().act(lambda: teams.remove(event, member, _actor())):
        flash(_("%(email)s is no longer in the team.", email=email))
    return redirect(url_for("admin.event_team", slug=event.slug), code=303)


@admin.route("/events/<slug>/settings/programmes", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def programme_settings(slug: str):
    event = event_or_404(slug)
    form = ProgrammeForm()
    if form.submit(
        lambda: event_setup.add_programme(
            event, form.code.data, form.quota.data, _actor()
        )
    ):
        cache.clear()
        flash(_("%(programme)s takes part.", programme=form.result.name))
        return _to_seats(event)
    return render_template(
        "admin/settings/programmes.html", **programmes_part(event, form)
    ), form.status_code


def programmes_part(event, form: ProgrammeForm | None = None) -> dict:
    """What ``_programmes.html`` shows, on the seats page and its own."""
    return {
        "event": event,
        "programme_form": form or ProgrammeForm(formdata=None),
        "programme_rows": seats_by_programme(event),
        "action": ActionForm(formdata=None),
    }


def _to_seats(event):
    return redirect(url_for("admin.seat_settings", slug=event.slug), code=303)


@admin.post("/events/<slug>/settings/programmes/<code>/remove")
@require_role(Role.ADMIN)
def programme_remove(slug: str, code: str):
    event = event_or_404(slug)
    if ActionForm().act(lambda: event_setup.remove_programme(event, code, _actor())):
        cache.clear()
        flash(_("%(code)s no longer takes part.", code=code.upper()[:2]))
    return _to_seats(event)


@admin.route("/events/<slug>/settings/contacts", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def contact_settings(slug: str):
    event = event_or_404(slug)
    form = ContactForm()
    if form.submit(
        lambda: event_setup.add_contact(event, form.contact_details(), _actor())
    ):
        cache.clear()
        flash(_("%(name)s is a contact of the event.", name=form.result.name))
        return redirect(url_for("admin.contact_settings", slug=event.slug), code=303)
    return render_template(
        "admin/settings/contacts.html", event=event, form=form, action=ActionForm()
    ), form.status_code


@admin.post("/events/<slug>/settings/contacts/<int:contact_id>/remove")
@require_role(Role.ADMIN)
def contact_remove(slug: str, contact_id: int):
    event = event_or_404(slug)
    contact = next((c for c in event.contacts if c.id == contact_id), None) or abort(
        404, description=_("There is no such contact.")
    )
    if ActionForm().act(lambda: event_setup.remove_contact(event, contact, _actor())):
        cache.clear()
        flash(_("%(name)s is no longer a contact of the event.", name=contact.name))
    return redirect(url_for("admin.contact_settings", slug=event.slug), code=303)


@admin.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """The invited organiser's first password, by the link mailed to them."""
    organiser = organiser_for_password_token(token)
    if organiser is None:
        abort(
            404,
            description=_(
                "This link is not valid any more. Ask an admin to invite you again."
            ),
        )
    form = SetPasswordForm()
    if form.submit(lambda: organiser_service.set_password(organiser, form.new.data)):
        flash(_("Your password is set. Log in with it."))
        return redirect(url_for("admin.login"), code=303)
    return render_template(
        "admin/set_password.html", form=form, email=organiser.email
    ), form.status_code
