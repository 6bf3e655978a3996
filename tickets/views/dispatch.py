"""Placeholder: filled in by the dispatch area of the workbench."""

urlpatterns: list = []


def dispatch_context(request, ticket) -> dict:
    """What the ticket page shows for this area."""
    return {}
