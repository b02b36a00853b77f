"""Organiser accounts, managed by admins."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin.access import require_role
from app.admin.blueprint import admin
from app.admin.forms import AccountForm, ActionForm
from app.extensions import db
from app.models import Organiser
from app.models.organisers import Role
from app.services.audit import Actor, record
from app.services.organisers import OrganiserError, create_organiser, set_active


@admin.route("/accounts", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def accounts():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            organiser = create_organiser(
                form.email.data,
                form.password.data,
                form.role.data,
                form.country.data or None,
            )
            db.session.flush()
        except OrganiserError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            record(
                "account_created",
                Actor.organiser(current_user),
                after={"email": organiser.email, "role": organiser.role},
            )
            db.session.commit()
            flash(f"Account {organiser.email} created.")
            return redirect(url_for("admin.accounts"), code=303)
    status = 422 if request.method == "POST" else 200
    organisers = db.session.scalars(select(Organiser).order_by(Organiser.email)).all()
    return render_template(
        "admin/accounts.html", form=form, organisers=organisers, action=ActionForm()
    ), status


@admin.post("/accounts/<int:organiser_id>/active")
@require_role(Role.ADMIN)
def account_active(organiser_id: int):
    organiser = db.session.get(Organiser, organiser_id)
    if organiser is None:
        abort(404, description="There is no such account.")
    if not ActionForm().validate_on_submit():
        abort(400, description="The form was incomplete; go back and try again.")
    if organiser.id == current_user.id:
        flash("You cannot switch off your own account.")
    else:
        set_active(organiser, not organiser.active, Actor.organiser(current_user))
        db.session.commit()
        flash(
            f"{organiser.email} is {'active' if organiser.active else 'switched off'}."
        )
    return redirect(url_for("admin.accounts"), code=303)
