"""Domain errors that services raise; the API turns each into its HTTP status."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    code = "domain_error"
    http_status = 400


class IllegalTransition(DomainError):
    code = "illegal_transition"
    http_status = 409

    def __init__(self, from_status: str, to_status: str):
        self.from_status, self.to_status = from_status, to_status
        super().__init__(
            _("A ticket cannot go from “%(from)s” to “%(to)s”.")
            % {"from": from_status, "to": to_status}
        )


class PermissionDeniedError(DomainError):
    code = "permission_denied"
    http_status = 403


class StaleTicket(DomainError):
    """The form was filled in on a version of the ticket someone has changed since."""

    code = "stale_ticket"
    http_status = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this ticket a moment ago: look at its current state "
                "and try again."
            )
        )
