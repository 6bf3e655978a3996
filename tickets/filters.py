import django_filters
from django.db.models import Exists, OuterRef, Q

from tickets.models import ProductCategory, Ticket, TicketTag


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices)
    tier = django_filters.MultipleChoiceFilter(choices=Ticket.Tier.choices)
    category = django_filters.MultipleChoiceFilter(choices=Ticket.Category.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Ticket.Channel.choices)
    team = django_filters.NumberFilter(field_name="team_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    store = django_filters.CharFilter(field_name="store__code")
    product = django_filters.CharFilter(field_name="product__model_code")
    product_category = django_filters.MultipleChoiceFilter(
        field_name="product__category", choices=ProductCategory.choices
    )
    tag = django_filters.NumberFilter(
        method="filter_tag", label="Tag id (its child tags match too)"
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = []

    def filter_tag(self, queryset, name, value):
        # EXISTS, not a join: no duplicate rows to DISTINCT away under the keyset ORDER BY.
        tagged = TicketTag.objects.filter(ticket=OuterRef("pk")).filter(
            Q(tag_id=value) | Q(tag__parent_id=value)
        )
        return queryset.filter(Exists(tagged))
