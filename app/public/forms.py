"""The delegate registration form. Field names are part of the public contract."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, ValidationError
from wtforms.validators import AnyOf, InputRequired, Optional

from app.forms import (
    Form,
    IsoDateField,
    email_address,
    line,
    paragraphs,
    required,
)
from app.i18n import LANGUAGES, NATIVE_NAMES, current_language, programme_name
from app.models.registrations import CATEGORIES, DIETARY, GENDERS
from app.services.notifications import event_mailbox
from app.services.registration import DelegateDetails
from app.validation import (
    country_choices,
    international_phone,
    normalised_email,
    normalised_passport_number,
    passport_problems,
)

# How far around the event arrival and departure may be: wide enough for
# long journeys, narrow enough to catch a mistyped year.
TRAVEL_MARGIN = timedelta(days=30)


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def one_of(codes, message=None) -> AnyOf:
    return AnyOf(
        list(codes), message=message or _l("Choose one of the options listed.")
    )


class RegistrationForm(Form):
    full_name = line(
        _l("Full name"),
        200,
        required(_l("Enter your name as it should appear on your badge.")),
        too_long=_l("Keep your name under 200 characters."),
        description=_l("One name is fine if that is your whole name."),
    )
    email = email_address(
        _l("E-mail address"), required(_l("Enter your e-mail address."))
    )
    country = SelectField(
        _l("Country programme"),
        validators=[InputRequired(message=_l("Choose your country programme."))],
        validate_choice=False,
    )
    organisation = line(
        _l("Organisation"), 200, required(_l("Enter your organisation."))
    )
    job_title = line(_l("Job title"), 200, Optional())
    category = SelectField(
        _l("Category"),
        choices=options([("", _l("Choose a category")), *CATEGORIES.items()]),
        validators=[
            InputRequired(message=_l("Choose the category you represent.")),
            one_of(CATEGORIES, _l("Choose one of the categories listed.")),
        ],
        validate_choice=False,
    )
    gender = RadioField(
        _l("Gender"),
        choices=options(GENDERS.items()),
        default="undisclosed",
        validators=[one_of(GENDERS)],
        validate_choice=False,
        description=_l(
            "Used only for the ILO's aggregate, sex-disaggregated reporting."
        ),
    )
    phone = line(
        _l("Phone (with country code)"),
        40,
        Optional(),
        too_long=_l("A phone number has at most 40 characters."),
    )
    arrival_date = IsoDateField(_l("Arrival date"))
    departure_date = IsoDateField(_l("Departure date"))
    needs_accommodation = BooleanField(_l("I need a hotel room in Bogor"))
    dietary = SelectField(
        _l("Dietary requirements"),
        choices=options(DIETARY.items()),
        default="none",
        validators=[one_of(DIETARY)],
        validate_choice=False,
    )
    dietary_detail = line(
        _l("Dietary details"),
        200,
        description=_l("Allergies or anything the caterers should know."),
    )
    accessibility = paragraphs(_l("Accessibility needs"), 1000, Optional())
    badge_name = line(
        _l("Name on your badge"),
        200,
        Optional(),
        description=_l(
            "Printed large on your badge; leave empty to use your full name."
        ),
    )
    needs_visa_letter = BooleanField(_l("I need a letter of invitation for my visa"))
    passport_name = line(
        _l("Name as in your passport"),
        200,
        description=_l("In Latin letters, exactly as on the passport's data page."),
    )
    nationality = SelectField(_l("Nationality"), validate_choice=False)
    passport_number = line(_l("Passport number"), 40)
    passport_expiry = IsoDateField(_l("Passport valid until"))
    date_of_birth = IsoDateField(_l("Date of birth"))
    visa_embassy = line(
        _l("Embassy or consulate where you apply"),
        300,
        description=_l("For example: Embassy of Indonesia, Accra."),
    )
    listed_publicly = BooleanField(
        _l(
            "Show my name, organisation and country programme "
            "in the public participant list"
        )
    )
    consent = BooleanField(
        _l("I agree to the privacy notice"),
        validators=[required(_l("Agree to the privacy notice to register."))],
    )

    def __init__(self, *args, event, check_deliverability: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.check_deliverability = check_deliverability
        self.country.choices = options(
            [("", _("Choose your country programme"))]
            + [(p.code, programme_name(p)) for p in event.programmes]
        )
        self.nationality.choices = options(
            [("", _("Choose your nationality")), *country_choices()]
        )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.needs_visa_letter.data:
            valid = self._check_passport_details() and valid
        return valid

    def _check_passport_details(self) -> bool:
        """A visa letter needs every passport detail, checked against the
        event's dates (Indonesia wants six months of validity after the stay)."""
        problems = passport_problems(
            self.event,
            name=self.passport_name.data,
            nationality=self.nationality.data,
            number=self.passport_number.data,
            expiry=self.passport_expiry.data,
            birth=self.date_of_birth.data,
            embassy=self.visa_embassy.data,
        )
        for name, message in problems.items():
            field = self[name]
            if not field.errors:
                field.errors = [*field.errors, message]
        return not problems

    def validate_email(self, field):
        if field.data:
            field.data = normalised_email(field.data, self.check_deliverability)
            if field.data.lower() == event_mailbox(self.event).lower():
                raise ValidationError(
                    _("This is the organisers' own address; use your personal one.")
                )

    def validate_country(self, field):
        if field.data not in {p.code for p in self.event.programmes}:
            raise ValidationError(_("Choose one of the country programmes listed."))

    def validate_dietary_detail(self, field):
        if self.dietary.data == "other" and not field.data:
            raise ValidationError(_("Tell us what you can eat."))

    def validate_phone(self, field):
        if field.data:
            country = self.country.data if self.country.data in _codes(self) else None
            field.data = international_phone(field.data, country)

    def stored_value(self, name: str):
        """What the registration being edited holds (None when registering)."""
        return None

    def validate_arrival_date(self, field):
        if field.data and field.data != self.stored_value("arrival_date"):
            _check_travel_date(self.event, field.data, arrival=True)

    def validate_departure_date(self, field):
        if not field.data:
            return
        if field.data != self.stored_value("departure_date"):
            _check_travel_date(self.event, field.data, arrival=False)
        if self.arrival_date.data and field.data < self.arrival_date.data:
            raise ValidationError(_("Departure cannot be before arrival."))

    def delegate_details(self) -> DelegateDetails:
        return DelegateDetails(
            full_name=self.full_name.data,
            email=self.email.data,
            country=self.country.data,
            organisation=self.organisation.data,
            category=self.category.data,
            job_title=self.job_title.data or "",
            gender=self.gender.data or "undisclosed",
            phone=self.phone.data or "",
            arrival_date=self.arrival_date.data,
            departure_date=self.departure_date.data,
            needs_accommodation=bool(self.needs_accommodation.data),
            dietary=self.dietary.data or "none",
            dietary_detail=self.dietary_detail.data or "",
            accessibility=self.accessibility.data or "",
            needs_visa_letter=bool(self.needs_visa_letter.data),
            listed_publicly=bool(self.listed_publicly.data),
            language=self.chosen_language(),
            badge_name=self.badge_name.data or "",
            **self._passport_details(),
        )

    def _passport_details(self) -> dict:
        """What the passport fields hold; nothing is kept without a visa letter."""
        if not self.needs_visa_letter.data:
            return {}
        return {
            "passport_name": self.passport_name.data or "",
            "nationality": self.nationality.data or "",
            "passport_number": normalised_passport_number(self.passport_number.data),
            "passport_expiry": self.passport_expiry.data,
            "date_of_birth": self.date_of_birth.data,
            "visa_embassy": self.visa_embassy.data or "",
        }

    def chosen_language(self) -> str:
        """The language of the delegate's e-mails: the form's, when registering."""
        return current_language()


def _codes(form: RegistrationForm) -> set[str]:
    return {p.code for p in form.event.programmes}


def _check_travel_date(event, day, *, arrival: bool) -> None:
    earliest = event.starts_on - TRAVEL_MARGIN
    latest = event.ends_on + TRAVEL_MARGIN
    if earliest <= day <= latest:
        return
    dates = {
        "earliest": format_date(earliest, "long"),
        "latest": format_date(latest, "long"),
    }
    if arrival:
        raise ValidationError(
            _("Arrival must be between %(earliest)s and %(latest)s.", **dates)
        )
    raise ValidationError(
        _("Departure must be between %(earliest)s and %(latest)s.", **dates)
    )


class EditRegistrationForm(RegistrationForm):
    """The same form for a delegate changing their registration.

    Consent was given at registration; the country programme stays, because
    moving between delegations changes seats (the organisers do that).
    """

    consent = None
    language = SelectField(
        _l("Language of the e-mails we send you"),
        choices=[
            SelectChoice(tag, name, render_kw={"lang": tag})
            for tag, name in NATIVE_NAMES.items()
        ],
        validators=[one_of(LANGUAGES)],
        validate_choice=False,
    )

    def __init__(self, *args, registration, **kwargs):
        self.registration = registration
        super().__init__(*args, event=registration.event, **kwargs)

    def chosen_language(self) -> str:
        return self.language.data

    def stored_value(self, name: str):
        # Dates given before the organisers moved the event stay acceptable.
        return getattr(self.registration, name)

    def validate_country(self, field):
        super().validate_country(field)
        if field.data != self.registration.programme.code:
            raise ValidationError(
                _("To move to another country programme, write to the organisers.")
            )


class LostLinkForm(Form):
    email = email_address(
        _l("E-mail address you registered with"),
        required(_l("Enter your e-mail address.")),
    )

    def validate_email(self, field):
        field.data = normalised_email(field.data)


class CancelForm(Form):
    """Only the CSRF token: the confirmation step is the page itself."""
