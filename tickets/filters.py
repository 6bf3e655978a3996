import django_filters
from django.db.models import Q

from tickets.models import Ticket


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices)
    tier = django_filters.MultipleChoiceFilter(choices=Ticket.Tier.choices)
    category = django_filters.MultipleChoiceFilter(choices=Ticket.Category.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Ticket.Channel.choices)
    team = django_filters.NumberFilter(field_name="team_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    store = django_filters.CharFilter(field_name="store__code")
    tag = django_filters.NumberFilter(
        method="filter_tag", label="Tag id (its child tags match too)"
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = []

    def filter_tag(self, queryset, name, value):
        return queryset.filter(
            Q(ticket_tags__tag_id=value) | Q(ticket_tags__tag__parent_id=value)
        ).distinct()
