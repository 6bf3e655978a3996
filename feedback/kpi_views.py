"""Placeholder: the KPI dashboard (issue 7 §5) is built here."""

from django.http import Http404


def kpi_dashboard(request):
    raise Http404


def kpi_export(request):
    raise Http404
