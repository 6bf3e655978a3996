"""Placeholder: filled in by the work area of the workbench."""

urlpatterns: list = []


def work_context(request, ticket) -> dict:
    """What the ticket page shows for this area."""
    return {}
