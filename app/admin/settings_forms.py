"""Forms of the event settings. Times are typed in the event's zone.

The forms turn what is typed into the values the settings services take:
instants become timezone-aware and UTC here, at the edge.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    TimeField,
    ValidationError,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from app.forms import Form, IsoDateField, email_address, line, paragraphs, required
from app.i18n import programme_name
from app.models import Event, ProgrammeSession
from app.services.event_settings import LETTER_SETTINGS, EventDetails, SessionDetails
from app.services.translations import EventTranslation
from app.validation import normalised_email

# Generous for a workshop, small enough to catch a typo of an extra digit.
MAX_SEATS = 10_000
WINDOW_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def window_hint(event: Event) -> str:
    """How to type a moment of the registration window, on the event's clocks."""
    example = datetime.combine(event.starts_on - timedelta(days=4), time(17, 0))
    # TRANSLATORS: zone: the short name of the event's time zone ("WIB");
    # timezone: its IANA name ("Asia/Jakarta"); example: 2011-03-31 17:00.
    return _(
        "Date and time in %(zone)s (%(timezone)s), for example %(example)s.",
        zone=event.zone_name,
        timezone=event.timezone,
        example=example.strftime("%Y-%m-%d %H:%M"),
    )


# TRANSLATORS: the placeholder of a time field; the time is typed as digits,
# hours and minutes (09:30), whatever the language.
TIME_PLACEHOLDER = _l("HH:MM")


def seats_range() -> LazyString:
    """The message of a number of seats out of range, written the reader's way."""
    return LazyString(lambda: _("Enter 0 to %(max)s.", max=format_number(MAX_SEATS)))


def local_instant(day: date, wall_clock: time, zone: ZoneInfo) -> datetime:
    """A date and time on the clocks of ``zone``, as an instant in UTC."""
    return datetime.combine(day, wall_clock, zone).astimezone(UTC)


class EventDetailsForm(Form):
    title = line(_l("Title"), 200, required(_l("Enter the event's title.")))
    summary = paragraphs(
        _l("Summary"),
        2000,
        description=_l("Shown on the event page and in delegates' calendar entries."),
    )
    purpose = paragraphs(_l("Purpose"), 10_000)
    background = paragraphs(_l("Background"), 10_000)
    location = line(
        _l("Location"), 300, required(_l("Enter where the event takes place."))
    )
    host = line(_l("Host"), 300, required(_l("Enter who hosts the event.")))
    starts_on = IsoDateField(_l("First day"), InputRequired(_l("Enter the first day.")))
    ends_on = IsoDateField(_l("Last day"), InputRequired(_l("Enter the last day.")))
    organiser_email = email_address(
        _l("Organiser mailbox"),
        Optional(),
        description=_l(
            "Sends the delegates' messages and organises their calendar "
            "invitations. Leave empty to use the application's default sender."
        ),
    )
    programme_is_provisional = BooleanField(_l("The programme is still provisional"))

    def validate_organiser_email(self, field):
        if field.data:
            field.data = normalised_email(field.data)

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_("The last day cannot be before the first."))

    def event_details(self) -> EventDetails:
        return EventDetails(
            title=self.title.data,
            summary=self.summary.data or "",
            purpose=self.purpose.data or "",
            background=self.background.data or "",
            location=self.location.data,
            host=self.host.data,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            organiser_email=self.organiser_email.data or None,
            programme_is_provisional=bool(self.programme_is_provisional.data),
        )


class SessionForm(Form):
    """A session on one day of the event, from a start to an end time on the
    event's clocks."""

    title = line(_l("Title"), 200, required(_l("Enter the session's title.")))
    description = paragraphs(_l("Description"), 2000)
    location = line(
        _l("Room or place"),
        300,
        Optional(),
        description=_l("Leave empty when it is the event's venue."),
    )
    day = IsoDateField(_l("Day"), InputRequired(_l("Enter the day of the session.")))
    starts = TimeField(
        _l("Starts"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(message=_l("Enter the start time."))],
        invalid_value_message=_l("Enter the time as HH:MM, for example 09:30."),
        render_kw={"placeholder": TIME_PLACEHOLDER},
    )
    ends = TimeField(
        _l("Ends"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(message=_l("Enter the end time."))],
        invalid_value_message=_l("Enter the time as HH:MM, for example 10:30."),
        render_kw={"placeholder": TIME_PLACEHOLDER},
    )

    def __init__(self, *args, event: Event, session: ProgrammeSession | None, **kw):
        if session is not None and "obj" not in kw:
            zone = event.zone
            starts = session.starts_at.astimezone(zone)
            kw["data"] = {
                "title": session.title,
                "description": session.description,
                "location": session.location,
                "day": starts.date(),
                "starts": starts.time(),
                "ends": session.ends_at.astimezone(zone).time(),
            }
        super().__init__(*args, **kw)
        self.event = event
        # TRANSLATORS: zone: the short name of the event's time zone ("WIB").
        self.starts.label.text = _("Starts (%(zone)s)", zone=event.zone_name)
        # TRANSLATORS: zone: the short name of the event's time zone ("WIB").
        self.ends.label.text = _("Ends (%(zone)s)", zone=event.zone_name)

    def validate_day(self, field):
        if field.data and not self.event.starts_on <= field.data <= self.event.ends_on:
            raise ValidationError(
                _(
                    "Choose a day of the event, %(first)s to %(last)s.",
                    first=format_date(self.event.starts_on, "long"),
                    last=format_date(self.event.ends_on, "long"),
                )
            )

    def validate_ends(self, field):
        if field.data and self.starts.data and field.data <= self.starts.data:
            raise ValidationError(_("The session must end after it starts."))

    def session_details(self) -> SessionDetails:
        zone = self.event.zone
        return SessionDetails(
            title=self.title.data,
            description=self.description.data or "",
            location=self.location.data or None,
            starts_at=local_instant(self.day.data, self.starts.data, zone),
            ends_at=local_instant(self.day.data, self.ends.data, zone),
        )


class DeleteForm(Form):
    """Only the CSRF token: the confirmation step is the page itself."""


def capacity_field() -> IntegerField:
    """The event's total capacity; empty for none."""
    return IntegerField(
        _l("Total capacity"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_SEATS, message=seats_range()),
        ],
        description=_l("Leave empty for no limit beyond the quotas."),
    )


def seats_form(event: Event, **kwargs) -> Form:
    """The capacity and one quota field per programme, named ``quota_<CODE>``."""

    class SeatsForm(Form):
        capacity = capacity_field()

        def quota_fields(self) -> list[tuple[str, IntegerField]]:
            return [(p.code, self[f"quota_{p.code}"]) for p in event.programmes]

        def quotas(self) -> dict[str, int]:
            return {p.code: self[f"quota_{p.code}"].data for p in event.programmes}

    for programme in event.programmes:
        setattr(
            SeatsForm,
            f"quota_{programme.code}",
            IntegerField(
                programme_name(programme),
                validators=[
                    InputRequired(message=_l("Enter a quota (0 or more).")),
                    NumberRange(min=0, max=MAX_SEATS, message=seats_range()),
                ],
            ),
        )
    kwargs.setdefault(
        "data",
        {
            "capacity": event.capacity,
            **{f"quota_{p.code}": p.quota for p in event.programmes},
        },
    )
    return SeatsForm(**kwargs)


class RegistrationRulesForm(Form):
    approval_required = BooleanField(
        _l("New registrations wait for an organiser's approval"),
        description=_l(
            "A pending registration holds its seat until approved or rejected."
        ),
    )
    confirm_email = BooleanField(
        _l("Delegates confirm their e-mail address before they get a seat"),
        description=_l(
            "Recommended for a public event: nobody can take seats with "
            "made-up addresses, and the form no longer tells who is registered. "
            "Registering then takes one more step: opening the link we e-mail."
        ),
    )
    opens_at = DateTimeLocalField(
        _l("Registration opens"),
        format=WINDOW_FORMATS,
        validators=[Optional()],
    )
    closes_at = DateTimeLocalField(
        _l("Registration closes"),
        format=WINDOW_FORMATS,
        validators=[Optional()],
    )

    def __init__(self, *args, event: Event, **kwargs):
        zone = event.zone

        def local(instant: datetime | None) -> datetime | None:
            return instant.astimezone(zone).replace(tzinfo=None) if instant else None

        kwargs.setdefault(
            "data",
            {
                "approval_required": event.approval_required,
                "confirm_email": event.confirm_email,
                "opens_at": local(event.registration_opens_at),
                "closes_at": local(event.registration_closes_at),
            },
        )
        super().__init__(*args, **kwargs)
        self.event = event
        for field in (self.opens_at, self.closes_at):
            # The typed value was read as the form was made: its error, if
            # any, says how to type it on this event's clocks.
            if field.process_errors:
                field.process_errors = [window_hint(event)]
            # TRANSLATORS: hint: how to type a date and time (a sentence).
            field.description = _("Optional. %(hint)s", hint=window_hint(event))

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_("Registration must close after it opens."))

    def rules(self) -> dict:
        """The rules as ``update_registration_rules`` takes them; the window
        as instants in UTC."""
        zone = self.event.zone
        opens_at, closes_at = (
            local_instant(value.date(), value.time(), zone) if value else None
            for value in (self.opens_at.data, self.closes_at.data)
        )
        return {
            "approval_required": bool(self.approval_required.data),
            "confirm_email": bool(self.confirm_email.data),
            "opens_at": opens_at,
            "closes_at": closes_at,
        }


# Each text organisers translate (EVENT_TEXTS, SESSION_TEXTS): its label, its
# longest value, and its field (one line or paragraphs).
TRANSLATED_EVENT_TEXTS = {
    "title": (_l("Title"), 200, line),
    "summary": (_l("Summary"), 2000, paragraphs),
    "purpose": (_l("Purpose"), 10_000, paragraphs),
    "background": (_l("Background"), 10_000, paragraphs),
    "location": (_l("Location"), 300, line),
    "host": (_l("Host"), 300, line),
}
TRANSLATED_SESSION_TEXTS = {
    "title": (_l("Title"), 200, line),
    "description": (_l("Description"), 2000, paragraphs),
}


def session_field(session: ProgrammeSession, name: str) -> str:
    return f"session-{session.id}-{name}"


def translation_form(event: Event, translation: EventTranslation) -> Form:
    """A form with a field per text of the event and of each session
    (``session-<id>-title``), filled with the translation so far."""

    class TranslationForm(Form):
        pass

    data = dict(translation.event)
    for name, (label, limit, field) in TRANSLATED_EVENT_TEXTS.items():
        setattr(TranslationForm, name, field(label, limit))
    for session in event.sessions:
        texts = translation.sessions.get(session.id, {})
        for name, (label, limit, field) in TRANSLATED_SESSION_TEXTS.items():
            setattr(TranslationForm, session_field(session, name), field(label, limit))
            data[session_field(session, name)] = texts.get(name, "")
    return TranslationForm(data=data)


def submitted_translation(form: Form, event: Event, language: str) -> EventTranslation:
    return EventTranslation(
        language,
        {name: form[name].data for name in TRANSLATED_EVENT_TEXTS},
        {
            session.id: {
                name: form[session_field(session, name)].data
                for name in TRANSLATED_SESSION_TEXTS
            }
            for session in event.sessions
        },
    )


class LetterSettingsForm(Form):
    """The visa letter's letterhead, signature and sponsorship sentence."""

    letter_address = paragraphs(
        _l("Letterhead address"),
        1000,
        description=_l("Printed under the host's name, one line per line."),
    )
    letter_signatory_name = line(_l("Signed by"), 200)
    letter_signatory_title = line(_l("Signatory's title"), 200)
    letter_sponsorship = paragraphs(
        _l("Who pays for what"),
        2000,
        description=_l(
            "One or two sentences for the consulate, in English, such as: the "
            "host covers accommodation and meals; travel is covered by the "
            "delegate's programme."
        ),
    )

    def letter_settings(self) -> dict[str, str]:
        return {name: (self[name].data or "").strip() for name in LETTER_SETTINGS}
