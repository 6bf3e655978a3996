"""Filled by the knowledge issue (8)."""

urlpatterns: list = []
