"""The organisers' area. Every page needs a logged-in organiser."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.admin.blueprint import admin
from app.admin.forms import LoginForm, PasswordForm
from app.auth import SESSION_KEY
from app.extensions import db, limiter
from app.security import client_address, limit
from app.services.dashboard import event_headlines
from app.services.organisers import (
    LockedOut,
    authenticate,
    change_password,
    end_session,
    start_session,
)


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
@limiter.limit(limit("LOGIN_RATE_LIMIT"), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.home"))
    form = LoginForm()
    try:
        if form.submit(
            lambda: authenticate(form.email.data, form.password.data, client_address())
        ) and _log_in(form.result):
            return redirect(_safe_next(request.args.get("next")), code=303)
    except LockedOut:
        form.form_errors.append(
            _(
                "Too many failed attempts for this account from your address. "
                "Try again in 15 minutes."
            )
        )
        return render_template("admin/login.html", form=form), 429
    if request.method == "POST" and not form.errors:
        form.form_errors.append(_("The e-mail address or password is not right."))
    return render_template("admin/login.html", form=form), form.status_code


def _log_in(organiser) -> bool:
    """Start a fresh session for the organiser (None: the password was wrong)."""
    if organiser is None:
        return False
    session.clear()
    login_user(organiser)
    session[SESSION_KEY] = start_session(organiser)
    session.permanent = True
    db.session.commit()
    return True


@admin.post("/logout")
def logout():
    end_session(session.get(SESSION_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."))
    return redirect(url_for("admin.login"), code=303)


@admin.get("/")
def home():
    return render_template("admin/home.html", headlines=event_headlines(current_user))


@admin.route("/password", methods=["GET", "POST"])
def password():
    form = PasswordForm()
    key = session.get(SESSION_KEY)
    if form.submit(
        lambda: change_password(
            current_user, form.current.data, form.new.data, session_key=key
        )
    ):
        flash(_("Your password is changed."))
        return redirect(url_for("admin.home"), code=303)
    return render_template("admin/password.html", form=form), form.status_code
