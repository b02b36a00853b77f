"""Organiser accounts, managed by admins."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.access import require_role
from app.admin.blueprint import admin
from app.admin.forms import AccountForm, ActionForm
from app.extensions import db
from app.models import Organiser
from app.models.organisers import Role
from app.services.audit import Actor
from app.services.organisers import create_organiser, organisers, set_active


@admin.route("/accounts", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def accounts():
    form = AccountForm()
    if form.submit(
        lambda: create_organiser(
            form.email.data,
            form.password.data,
            form.role.data,
            form.country.data or None,
            actor=Actor.organiser(current_user),
        )
    ):
        flash(_("Account %(email)s created.", email=form.result.email))
        return redirect(url_for("admin.accounts"), code=303)
    return render_template(
        "admin/accounts.html", form=form, organisers=organisers(), action=ActionForm()
    ), form.status_code


@admin.post("/accounts/<int:organiser_id>/active")
@require_role(Role.ADMIN)
def account_active(organiser_id: int):
    organiser = db.get_or_404(
        Organiser, organiser_id, description=_("No such account.")
    )
    form = ActionForm()
    actor = Actor.organiser(current_user)
    if form.act(lambda: set_active(organiser, not organiser.active, actor)):
        if organiser.active:
            flash(_("%(email)s is active.", email=organiser.email))
        else:
            flash(_("%(email)s is switched off.", email=organiser.email))
    return redirect(url_for("admin.accounts"), code=303)
