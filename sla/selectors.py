"""Reads for the SLA sweep."""

from __future__ import annotations

from datetime import datetime

from sla import config
from tickets.models import User


def escalation_lead_for(*, team_id: int | None) -> User | None:
    """Who a missed deadline is escalated to: the team's lead (group team_lead), or, for a
    ticket no team owns yet (the intake queue), a manager. The lowest id, so it is stable."""
    leads = User.objects.filter(is_active=True).order_by("pk")
    if team_id is not None:
        lead = leads.filter(groups__name="team_lead", teams=team_id).first()
        if lead is not None:
            return lead
    return leads.filter(groups__name="manager").first()


def calendar_gaps_ahead(now: datetime) -> list[int]:
    """This year and next (Shanghai) when they lack holiday data: the managers' banner."""
    return config.calendar_gaps_ahead(now)
