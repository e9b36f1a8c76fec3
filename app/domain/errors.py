"""Domain errors: what went wrong, in words a user can act on, in the page's language."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal of a use case. `code` is stable for tests/APIs; `message` is translated."""

    status = 400

    def __init__(self, code: str, message, field: str | None = None, **params):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.params = params

    def in_words(self) -> str:
        """What to tell the person, in one line (a flash message)."""
        return str(self.message)


class NotFound(DomainError):
    """The object does not exist or is not visible to this user (never say which)."""

    status = 404


class Forbidden(DomainError):
    """The user may not do this."""

    status = 403


class Conflict(DomainError):
    """Someone else got there first (task claimed, case already submitted, …)."""

    status = 409


class ValidationFailed(DomainError):
    """Several fields are wrong at once; `errors` maps field name to message."""

    def __init__(self, errors: dict, message=None):
        from flask_babel import lazy_gettext as _l

        super().__init__("validation_failed", message or _l("Please correct the marked fields."))
        self.errors = errors

    def summary(self) -> str:
        """Every field's message in one line, for a page that does not show the form again."""
        return " ".join(str(message) for message in self.errors.values())

    def in_words(self) -> str:
        """Every field's problem at once: the page may not show the form again."""
        return self.summary()
