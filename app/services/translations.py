"""The organisers' translations of the event's own texts."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.i18n import LANGUAGES
from app.models import Event
from app.models.events import EVENT_TEXTS, SESSION_TEXTS
from app.services import audit, seats
from app.services.audit import Actor


@dataclass
class EventTranslation:
    """The event's texts in one language: empty means "not translated", and
    the page then shows the default language's text."""

    language: str
    event: dict[str, str] = field(default_factory=dict)
    # Session id -> its texts.
    sessions: dict[int, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, event: Event, language: str) -> EventTranslation:
        return cls(
            language,
            event.translated(language),
            {s.id: s.translated(language) for s in event.sessions},
        )


def other_languages(event: Event) -> list[str]:
    """The languages the event's texts can be translated into."""
    return [tag for tag in LANGUAGES if tag != event.default_language]


def progress(event: Event) -> dict[str, tuple[int, int]]:
    """For each other language: (texts translated, texts to translate)."""
    total = len(EVENT_TEXTS) + len(SESSION_TEXTS) * len(event.sessions)
    return {
        tag: (
            len(event.translated(tag))
            + sum(len(s.translated(tag)) for s in event.sessions),
            total,
        )
        for tag in other_languages(event)
    }


def translate_event(event: Event, translation: EventTranslation, actor: Actor) -> int:
    """Keep the event's texts in ``translation.language``; the number of texts
    that changed. Calendar files in that language show the new texts with a
    higher SEQUENCE (the event's, and each changed session's)."""
    event = seats.lock_event(event.id)
    language = translation.language
    changed = _store(event, language, translation.event, EVENT_TEXTS)
    if changed:
        event.sequence += 1
    before, after = {}, {}
    for name in changed:
        before[name], after[name] = changed[name]
    for session in event.sessions:
        texts = translation.sessions.get(session.id, {})
        session_changed = _store(session, language, texts, SESSION_TEXTS)
        if session_changed:
            session.sequence = (session.sequence or 0) + 1
        for name, (old, new) in session_changed.items():
            before[f"session {session.id} {name}"] = old
            after[f"session {session.id} {name}"] = new
    if after:
        audit.record(
            "event_translated",
            actor,
            event=event,
            before=before,
            after=after,
            note=language,
        )
    return len(after)


def _store(owner, language: str, texts: dict, names) -> dict[str, tuple]:
    """Write the texts of ``language`` on ``owner``; what changed, (old, new)."""
    kept = owner.translated(language)
    changed = {}
    for name in names:
        new = (texts.get(name) or "").strip()
        old = kept.get(name, "")
        if new != old:
            changed[name] = (old or None, new or None)
        if new:
            kept[name] = new
        else:
            kept.pop(name, None)
    if changed:
        # A new dict: the JSON column notices assignment, not mutation.
        others = {k: v for k, v in (owner.translations or {}).items() if k != language}
        owner.translations = {**others, language: kept} if kept else others
    return changed
