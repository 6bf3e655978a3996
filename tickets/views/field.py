"""Placeholder: filled in by the field area of the workbench."""

urlpatterns: list = []


def field_context(request, ticket) -> dict:
    """What the ticket page shows for this area."""
    return {}
