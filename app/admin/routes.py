"""The organisers' area. Every page needs a logged-in organiser."""

from __future__ import annotations

from datetime import date
from math import ceil
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from app.admin.forms import LoginForm
from app.exports import attendees_csv
from app.extensions import db
from app.models import Event, Registration
from app.services import attendees as attendee_service
from app.services import events as event_service
from app.services.organisers import authenticate

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.before_request
def require_organiser():
    if request.endpoint in ("admin.login",):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@admin.after_request
def never_cache(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _event_or_404(slug: str) -> Event:
    try:
        return event_service.event_by_slug(slug)
    except event_service.EventNotFound:
        abort(404, description="There is no event at this address.")


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the login cannot redirect elsewhere."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        # Browsers read a backslash as a slash: "/\\evil.example" leaves the site.
        and "\\" not in target
        and target.isprintable()
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("admin.home")


@admin.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        organiser = authenticate(form.email.data, form.password.data)
        if organiser is not None:
            session.clear()  # a fresh session at login
            login_user(organiser)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.form_errors.append("The e-mail address or password is not right.")
    if request.method == "POST":
        status = 422
    return render_template("admin/login.html", form=form), status


@admin.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You have logged out.")
    return redirect(url_for("admin.login"), code=303)


@admin.get("/")
def home():
    counts = dict(
        db.session.execute(
            select(Registration.event_id, func.count(Registration.id))
            .where(Registration.status.in_(("confirmed", "pending")))
            .group_by(Registration.event_id)
        ).all()
    )
    events = db.session.scalars(select(Event).order_by(Event.starts_on)).all()
    return render_template("admin/home.html", events=events, counts=counts)


@admin.get("/events/<slug>/attendees")
def attendees(slug: str):
    event = _event_or_404(slug)
    filters = attendee_service.AttendeeFilters.from_args(request.args)
    per_page = current_app.config["ATTENDEES_PER_PAGE"]
    total = attendee_service.count_attendees(event, filters)
    pages = max(ceil(total / per_page), 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return render_template(
        "admin/attendees.html",
        event=event,
        filters=filters,
        rows=attendee_service.attendee_page(event, filters, page, per_page),
        total=total,
        page=page,
        pages=pages,
    )


@admin.get("/events/<slug>/attendees.csv")
def attendees_download(slug: str):
    event = _event_or_404(slug)
    filters = attendee_service.AttendeeFilters.from_args(request.args)
    rows = attendee_service.stream_attendees(event, filters)
    filename = f"{event.slug}-attendees-{date.today():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(attendees_csv(rows, event.timezone)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
