"""What the app does, as plain functions that views, commands and tests call."""


class Refused(Exception):
    """A change the app will not make. The message is for a person; ``field``
    names the form field it concerns (None: the request as a whole)."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        if field is not None:
            self.field = field
