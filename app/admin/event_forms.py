"""Forms that make events: a new one, a clone, its status, its team and
the programmes taking part."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
)

from app.admin.forms import PasswordForm, SelectChoice
from app.admin.settings_forms import MAX_SEATS, capacity_field, seats_range
from app.forms import Form, IsoDateField, email_address, line, required
from app.i18n import DEFAULT_LANGUAGE, NATIVE_NAMES
from app.models import Event, EventStatus
from app.models.organisers import Role
from app.services.event_setup import ContactDetails, NewEvent
from app.validation import country_choices, normalised_email

SLUG_HINT = _l(
    "The event's address: lower-case letters, digits and hyphens, "
    "such as score-bogota-2012."
)
TIMEZONE_HINT = _l(
    "The IANA name of the zone its times are in, such as Asia/Jakarta or "
    "America/Bogota."
)


def _slug_field():
    return line(
        _l("Address (slug)"),
        80,
        required(_l("Enter the event's address.")),
        description=SLUG_HINT,
    )


def _lower_case(form, field) -> None:
    """Addresses are lower-case; "Score-Bogota-2012" means score-bogota-2012."""
    field.data = field.data.lower()


def _timezone_field(*validators, **kwargs):
    return line(_l("Time zone"), 64, *validators, description=TIMEZONE_HINT, **kwargs)


class NewEventForm(Form):
    slug = _slug_field()
    validate_slug = _lower_case
    title = line(_l("Title"), 200, required(_l("Enter the event's title.")))
    starts_on = IsoDateField(_l("First day"), InputRequired(_l("Enter the first day.")))
    ends_on = IsoDateField(_l("Last day"), InputRequired(_l("Enter the last day.")))
    timezone = _timezone_field(required(_l("Enter the event's time zone.")))
    venue = line(_l("Venue"), 300, required(_l("Enter where the event takes place.")))
    host = line(_l("Host"), 300, Optional())
    capacity = capacity_field()
    organiser_email = email_address(_l("Organiser mailbox"), Optional())
    language = SelectField(
        _l("Language of its texts"),
        choices=[SelectChoice(tag, name) for tag, name in NATIVE_NAMES.items()],
        default=DEFAULT_LANGUAGE,
        description=_l("Translations into the other languages are added later."),
    )
    approval_required = BooleanField(_l("New registrations wait for approval"))
    confirm_email = BooleanField(
        _l("Delegates confirm their address before they get a seat")
    )

    def validate_organiser_email(self, field):
        if field.data:
            field.data = normalised_email(field.data)

    def new_event(self) -> NewEvent:
        return NewEvent(
            slug=self.slug.data,
            title=self.title.data,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            timezone=self.timezone.data,
            location=self.venue.data,
            host=self.host.data or "",
            capacity=self.capacity.data,
            organiser_email=self.organiser_email.data or None,
            approval_required=bool(self.approval_required.data),
            confirm_email=bool(self.confirm_email.data),
            default_language=self.language.data,
        )


class CloneForm(Form):
    slug = _slug_field()
    validate_slug = _lower_case
    title = line(_l("Title"), 200, required(_l("Enter the new event's title.")))
    starts_on = IsoDateField(
        _l("First day"),
        InputRequired(_l("Enter the new event's first day.")),
        description=_l("The sessions move with it, at the same local times."),
    )
    timezone = _timezone_field(Optional())

    def __init__(self, source: Event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.timezone.data = source.timezone


class StatusForm(Form):
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("Choose a status")),
            *(SelectChoice(s.value, s.label) for s in EventStatus),
        ],
        validators=[DataRequired(message=_l("Choose a status."))],
    )


class TeamMemberForm(Form):
    email = email_address(
        _l("E-mail address"), required(_l("Enter an e-mail address."))
    )
    role = SelectField(
        _l("Role in this event"),
        choices=[
            SelectChoice("", _l("Choose a role")),
            SelectChoice(Role.ORGANISER, _l("Organiser (all registrations)")),
            SelectChoice(Role.COORDINATOR, _l("Coordinator of one country programme")),
        ],
        validators=[DataRequired(message=_l("Choose a role."))],
    )
    country = SelectField(
        _l("Country programme (coordinators)"), validators=[Optional()]
    )

    def __init__(self, event: Event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", _l("All programmes (organisers)"))] + [
            SelectChoice(p.code, p.name) for p in event.programmes
        ]

    def validate_email(self, field):
        field.data = normalised_email(field.data)


class ProgrammeForm(Form):
    code = SelectField(
        _l("Country"), validators=[DataRequired(message=_l("Choose a country."))]
    )
    quota = IntegerField(
        _l("Quota"),
        validators=[
            InputRequired(message=_l("Enter the number of seats.")),
            NumberRange(min=0, max=MAX_SEATS, message=seats_range()),
        ],
        default=6,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.choices = [SelectChoice("", _l("Choose a country"))] + [
            SelectChoice(code, name) for code, name in country_choices()
        ]


class ContactForm(Form):
    name = line(_l("Name"), 200, required(_l("Enter the contact's name.")))
    role = line(_l("Role"), 200, Optional())
    phone = line(_l("Phone"), 60, Optional())
    email = email_address(_l("E-mail address"), Optional())

    def validate_email(self, field):
        if field.data:
            field.data = normalised_email(field.data)

    def contact_details(self) -> ContactDetails:
        return ContactDetails(
            name=self.name.data,
            role=self.role.data or "",
            phone=self.phone.data or "",
            email=self.email.data or "",
        )


class SetPasswordForm(PasswordForm):
    """An invited organiser's first password: there is no current one."""

    current = None
