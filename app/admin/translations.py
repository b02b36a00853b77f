"""Translating the event's own texts: one page per language (admins only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app.admin.access import event_or_404, require_role
from app.admin.blueprint import admin
from app.extensions import cache
from app.forms import Form, line, paragraphs
from app.i18n import LANGUAGES, NATIVE_NAMES
from app.models import Event
from app.models.organisers import Role
from app.services.audit import Actor
from app.services.translations import EventTranslation, translate_event

# Each translatable text: its label and the longest value it takes.
EVENT_FIELDS = {
    "title": (_l("Title"), 200),
    "summary": (_l("Summary"), 2000),
    "purpose": (_l("Purpose"), 10_000),
    "background": (_l("Background"), 10_000),
    "location": (_l("Location"), 300),
    "host": (_l("Host"), 300),
}
SESSION_FIELDS = {
    "title": (_l("Title"), 200),
    "description": (_l("Description"), 2000),
}
ONE_LINE = {"title", "location", "host"}


def _text_field(name: str, label, limit: int):
    make = line if name in ONE_LINE else paragraphs
    return make(label, limit)


def translation_form(event: Event, translation: EventTranslation) -> Form:
    """A form with a field per text of the event and of each session
    (``session-<id>-title``), filled with the translation so far."""

    class TranslationForm(Form):
        pass

    data = dict(translation.event)
    for name, (label, limit) in EVENT_FIELDS.items():
        setattr(TranslationForm, name, _text_field(name, label, limit))
    for session in event.sessions:
        texts = translation.sessions.get(session.id, {})
        for name, (label, limit) in SESSION_FIELDS.items():
            key = f"session-{session.id}-{name}"
            setattr(TranslationForm, key, _text_field(name, label, limit))
            data[key] = texts.get(name, "")
    return TranslationForm(data=data)


def submitted_translation(form: Form, event: Event, language: str) -> EventTranslation:
    return EventTranslation(
        language,
        {name: form[name].data for name in EVENT_FIELDS},
        {
            session.id: {
                name: form[f"session-{session.id}-{name}"].data
                for name in SESSION_FIELDS
            }
            for session in event.sessions
        },
    )


def _other_languages(event: Event) -> list[str]:
    return [tag for tag in LANGUAGES if tag != event.default_language]


@admin.get("/events/<slug>/settings/translations")
@require_role(Role.ADMIN)
def translations(slug: str):
    event = event_or_404(slug)
    total = len(EVENT_FIELDS) + len(SESSION_FIELDS) * len(event.sessions)
    done = {
        tag: len(event.translated(tag))
        + sum(len(s.translated(tag)) for s in event.sessions)
        for tag in _other_languages(event)
    }
    return render_template(
        "admin/settings/translations.html",
        event=event,
        done=done,
        total=total,
        native_names=NATIVE_NAMES,
    )


@admin.route("/events/<slug>/settings/translations/<language>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def translation(slug: str, language: str):
    event = event_or_404(slug)
    if language not in _other_languages(event):
        abort(404, description=_("There is no such language for this event."))
    form = translation_form(event, EventTranslation.of(event, language))
    if form.submit(
        lambda: translate_event(
            event,
            submitted_translation(form, event, language),
            Actor.organiser(current_user),
        )
    ):
        cache.clear()
        flash(
            ngettext(
                "%(num)d text saved in %(language)s.",
                "%(num)d texts saved in %(language)s.",
                form.result,
                language=NATIVE_NAMES[language],
            )
        )
        return redirect(url_for("admin.translations", slug=event.slug), code=303)
    return (
        render_template(
            "admin/settings/translation.html",
            event=event,
            form=form,
            language=language,
            language_name=NATIVE_NAMES[language],
            event_fields=EVENT_FIELDS,
            session_fields=SESSION_FIELDS,
        ),
        form.status_code,
    )
