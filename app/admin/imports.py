"""A delegation registered from a spreadsheet: upload, preview, import.

Each row is checked by the registration form's own rules (``RowForm``), then
``app.services.imports`` judges it against the seats and imports it. Open to
admins and organisers for any programme, and to a coordinator for their own.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField, ValidationError

from app.admin.access import event_or_404, scope_country
from app.admin.blueprint import admin
from app.admin.downloads import (
    csv_download,
    spreadsheet,
    spreadsheet_routes,
)
from app.admin.forms import ActionForm
from app.exports import Table, table_csv
from app.extensions import db
from app.forms import Form
from app.i18n import LANGUAGES
from app.imports import MAX_BYTES, ROW_NUMBER, UnreadableFile, as_text, read_sheet
from app.models.registrations import DELEGATE_FIELDS
from app.public.forms import RegistrationForm
from app.services import imports as import_service
from app.services import registration as registration_service
from app.services.audit import Actor
from app.services.imports import CheckedRow, Outcome
from app.services.links import registration_for_address
from app.services.registration import DelegateDetails

# The attendee CSV's own names for what the form asks (appearing in the
# public list is the delegate's own choice: not imported).
IMPORT_COLUMNS = (
    "full_name",
    "email",
    "country",
    *(f for f in DELEGATE_FIELDS if f not in ("full_name", "email", "listed_publicly")),
)
REQUIRED_COLUMNS = ("full_name", "email", "country", "organisation", "category")
BOOLEAN_COLUMNS = ("needs_accommodation", "needs_visa_letter")
# Columns of the attendee CSV that say what the app decided: read past
# without a warning, so that the CSV can be imported back.
EXPORTED_ONLY = (
    "reference",
    "status",
    "country_name",
    "registered_at",
    "waitlist_position",
    "listed_publicly",
)
YES = {"yes", "true", "1", "x", "y"}
NO = {"no", "false", "0", ""}
EXAMPLE_ROW = {
    "full_name": "Ama Mensah",
    "email": "ama.mensah@example.org",
    "country": "GH",
    "organisation": "Ghana Employers' Association",
    "job_title": "Training manager",
    "category": "employers",
    "gender": "female",
    "phone": "+233 30 277 5831",
    "arrival_date": "2011-04-03",
    "departure_date": "2011-04-09",
    "needs_accommodation": "yes",
    "dietary": "none",
    "needs_visa_letter": "no",
    "language": "en",
}


class UploadForm(Form):
    """The file itself comes from ``request.files["file"]``."""

    send_email = BooleanField(
        _l("E-mail each imported delegate their confirmation now"), default=True
    )


class RowForm(RegistrationForm):
    """The registration form, for one row: consent is the organiser's to
    have collected, and the e-mails' language a column of its own."""

    consent = None
    language = SelectField(validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, meta={"csrf": False}, **kwargs)

    def validate_language(self, field):
        if field.data and field.data not in LANGUAGES:
            raise ValidationError(_("Use one of: %(tags)s.", tags=", ".join(LANGUAGES)))

    def chosen_language(self) -> str:
        return self.language.data or self.event.default_language


def check_rows(
    event, data: bytes, only_country: str | None
) -> tuple[list[CheckedRow], list[str]]:
    """The file's rows checked as the form checks them, and the names of its
    columns that are ignored. Raises UnreadableFile.

    A row for a delegate already registered is checked with their stored
    details where the file has no column: a file need not repeat them."""
    sheet = read_sheet(data)
    missing = [c for c in REQUIRED_COLUMNS if c not in sheet.columns]
    if missing:
        raise UnreadableFile(
            _("Missing columns: %(columns)s.", columns=", ".join(missing))
        )
    unknown = [
        c for c in sheet.columns if c not in IMPORT_COLUMNS and c not in EXPORTED_ONLY
    ]
    names = {p.name.casefold(): p.code for p in event.programmes}
    seen: dict[str, int] = {}
    rows = []
    for record in sheet.rows:
        values = {c: as_text(record.get(c)) for c in IMPORT_COLUMNS if c in record}
        row = CheckedRow(record[ROW_NUMBER], values.get("full_name", ""), values)
        form_data = {
            **_stored(event, values.get("email", "")),
            **_form_data(values, names, row.errors),
        }
        form = RowForm(formdata=MultiDict(form_data), event=event)
        if form.validate() and not row.errors:
            row.details = form.delegate_details()
        for name, messages in form.errors.items():
            row.errors.append((name or "", " ".join(str(m) for m in messages)))
        code = form_data.get("country", "")
        if only_country and code and code != only_country:
            row.errors.append(
                ("country", _("%(code)s is not your programme.", code=code))
            )
        email = values.get("email", "").strip().lower()
        if email in seen:
            row.errors.append(
                ("email", _("the same address as row %(row)d.", row=seen[email]))
            )
        elif email:
            seen[email] = row.number
        if row.errors:
            row.details = None
        rows.append(row)
    return rows, unknown


def _stored(event, email: str) -> dict:
    """The form's data of the registration the address has, if any."""
    registration = registration_for_address(event.id, email.strip())
    if registration is None:
        return {}
    details = DelegateDetails.of(registration)
    data = {}
    for name, value in asdict(details).items():
        if isinstance(value, bool):
            if value:
                data[name] = "y"
        elif value is not None:
            data[name] = as_text(value)
    return data


def _form_data(values: dict, names: dict, errors: list) -> dict:
    """The row as the form would post it: booleans ticked or not, the
    country as its code (its English programme name is accepted too)."""
    data = {}
    for column, text in values.items():
        if column in BOOLEAN_COLUMNS:
            word = text.strip().lower()
            if word in YES:
                data[column] = "y"
            elif word not in NO:
                errors.append((column, _("write yes or no.")))
        elif column == "country":
            data[column] = names.get(text.strip().casefold(), text.strip().upper())
        else:
            data[column] = text
    return data


@admin.url_value_preprocessor
def _room_for_a_spreadsheet(endpoint: str | None, values: dict | None) -> None:
    """The upload's own body limit: a spreadsheet, not a form's few KiB. Set
    here, before any ``before_request`` (the CSRF check) reads the body."""
    if endpoint == "admin.delegation_import":
        request.max_content_length = MAX_BYTES + 64 * 1024


@admin.route("/events/<slug>/import", methods=["GET", "POST"])
def delegation_import(slug: str):
    event = event_or_404(slug)
    form = UploadForm()
    problem = None
    if form.validate_on_submit():
        try:
            batch = _previewed(event, form)
        except UnreadableFile as error:
            problem = str(error)
        else:
            return redirect(
                url_for("admin.import_preview", slug=slug, batch_id=batch.id), code=303
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/import.html", event=event, form=form, problem=problem
    ), status


def _previewed(event, form: UploadForm):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise UnreadableFile(_("Choose the file to upload."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnreadableFile(_("The file is larger than 5 MiB."))
    rows, unknown = check_rows(event, data, scope_country())
    batch = import_service.preview(
        event,
        current_user,
        upload.filename,
        rows,
        unknown_columns=unknown,
        send_email=bool(form.send_email.data),
    )
    db.session.commit()
    return batch


def _batch_or_404(event, batch_id: int):
    batch = import_service.batch_for(event, current_user, batch_id)
    if batch is None:
        abort(404, description=_("This preview has expired; upload the file again."))
    return batch


@admin.get("/events/<slug>/import/<int:batch_id>")
def import_preview(slug: str, batch_id: int):
    """The preview before the import, and the result after it."""
    event = event_or_404(slug)
    batch = _batch_or_404(event, batch_id)
    result_key = "result" if batch.imported_at else "outcome"
    return render_template(
        "admin/import_preview.html",
        event=event,
        batch=batch,
        counts=import_service.counts(batch, result_key),
        Outcome=Outcome,
        form=Form(),
    )


@admin.post("/events/<slug>/import/<int:batch_id>")
def import_run(slug: str, batch_id: int):
    event = event_or_404(slug)
    batch = _batch_or_404(event, batch_id)
    form = ActionForm()
    actor = Actor.organiser(current_user)
    if form.act(lambda: import_service.run_import(batch, actor)):
        differ = form.result
        flash(
            _("Imported.")
            if not differ
            else ngettext(
                "Imported; %(num)d row came out otherwise than the preview said.",
                "Imported; %(num)d rows came out otherwise than the preview said.",
                differ,
            )
        )
    return redirect(
        url_for("admin.import_preview", slug=slug, batch_id=batch_id), code=303
    )


@admin.get("/events/<slug>/import/<int:batch_id>/errors.csv")
def import_errors(slug: str, batch_id: int):
    """The rows in error, with their columns and an ``error`` column: to fix
    and upload again."""
    event = event_or_404(slug)
    batch = _batch_or_404(event, batch_id)
    table = errors_table(batch)
    return csv_download(table_csv(table), f"{event.slug}-import-errors.csv")


def errors_table(batch) -> Table:
    failed = [
        row
        for row in batch.rows
        if (row.get("result") or row["outcome"]) == Outcome.ERROR
    ]
    columns = [c for c in IMPORT_COLUMNS if any(c in row["values"] for row in failed)]
    return Table(
        (*columns, "error"),
        (
            [
                *(row["values"].get(c, "") for c in columns),
                "; ".join(
                    f"{column}: {message}" if column else message
                    for column, message in row["errors"]
                )
                or row.get("result_note", ""),
            ]
            for row in failed
        ),
    )


@spreadsheet_routes("/events/<slug>/import/template")
def import_template(slug: str, kind: str):
    """The columns to fill in, with one example row."""
    event = event_or_404(slug)
    table = Table(IMPORT_COLUMNS, [[EXAMPLE_ROW.get(c, "") for c in IMPORT_COLUMNS]])
    return spreadsheet(event, "import-template", table, kind)


@admin.post("/events/<slug>/invitations")
def send_invitations(slug: str):
    """Send their message to every delegate imported without one."""
    event = event_or_404(slug)
    form = ActionForm()
    actor = Actor.organiser(current_user)
    if form.act(
        lambda: registration_service.send_pending_invitations(
            event, actor, scope_country()
        )
    ):
        flash(
            ngettext(
                "%(num)d invitation queued.", "%(num)d invitations queued.", form.result
            )
        )
    return redirect(url_for("admin.attendees", slug=slug), code=303)
