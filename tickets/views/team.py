"""Placeholder: filled in by the team area of the workbench."""

urlpatterns: list = []


def team_context(request, ticket) -> dict:
    """What the ticket page shows for this area."""
    return {}
