"""The ticket forms: the core module and one per area of the workbench."""

from tickets.forms.core import (
    ALLOWED_QUERY_KEYS,
    SavedFilterForm,
    TransitionForm,
    non_empty,
)

__all__ = [
    "ALLOWED_QUERY_KEYS",
    "SavedFilterForm",
    "TransitionForm",
    "non_empty",
]
