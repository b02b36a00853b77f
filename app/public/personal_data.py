"""A delegate's own data: download it, replace a leaked link, delete it."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _

from app.extensions import db
from app.public import registration_or_404
from app.public.forms import CancelForm
from app.services import privacy

personal_data = Blueprint("personal_data", __name__)


@personal_data.get("/r/<token>/data.json")
def export(token: str):
    registration = registration_or_404(token)
    body = json.dumps(privacy.personal_data(registration), ensure_ascii=False, indent=2)
    return Response(
        body,
        content_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{registration.reference}-my-data.json"'
            )
        },
    )


@personal_data.post("/r/<token>/new-link")
def new_link(token: str):
    registration = registration_or_404(token)
    if not CancelForm().validate_on_submit():
        abort(400, description=_("The form was incomplete; go back and try again."))
    fresh = privacy.replace_link(registration)
    db.session.commit()
    return redirect(url_for("public.manage", token=fresh, replaced=1), code=303)


@personal_data.route("/r/<token>/delete", methods=["GET", "POST"])
def delete(token: str):
    registration = registration_or_404(token)
    form = CancelForm()
    if form.validate_on_submit():
        event = registration.event
        privacy.delete_registration(registration)
        db.session.commit()
        return render_template("public/deleted.html", event=event)
    return render_template(
        "public/delete.html", registration=registration, token=token, form=form
    )
