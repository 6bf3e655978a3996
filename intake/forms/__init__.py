from django.core.exceptions import ValidationError


class ServiceErrorsMixin:
    """For forms whose data goes to a service that raises ValidationError by field name."""

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show the service's errors on the fields they name, the rest above the form."""
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
