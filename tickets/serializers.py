"""API shapes. Customer data leaves here masked; the full contact only through the reveal POST."""

from rest_framework import serializers

from tickets.models import Ticket, TicketEvent


class CustomerMaskedSerializer(serializers.Serializer):
    name = serializers.CharField(source="masked_name")
    phone = serializers.CharField(source="masked_phone")
    is_vip = serializers.BooleanField()


class ProductSerializer(serializers.Serializer):
    model_code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    warranty_months = serializers.IntegerField()


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class StoreSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TicketTagSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="tag.id")
    name = serializers.CharField(source="tag.__str__")
    source = serializers.CharField()
    state = serializers.CharField()


class TicketOutputSerializer(serializers.ModelSerializer):
    customer = CustomerMaskedSerializer()
    product = ProductSerializer(allow_null=True)
    tags = TicketTagSerializer(source="ticket_tags", many=True)
    team = NamedSerializer(allow_null=True)
    owner = NamedSerializer(allow_null=True)
    store = StoreSerializer(allow_null=True)
    next_due_at = serializers.DateTimeField(allow_null=True)
    unknown_product = serializers.BooleanField(source="has_unknown_product")

    class Meta:
        model = Ticket
        fields = [
            "number",
            "channel",
            "status",
            "tier",
            "category",
            "customer",
            "product",
            "product_model_text",
            "unknown_product",
            "batch",
            "purchase_date",
            "description",
            "scene",
            "symptom",
            "frequency",
            "tried",
            "description_confirmed",
            "confirmed_via",
            "customer_urgency",
            "tags",
            "team",
            "owner",
            "store",
            "received_at",
            "next_due_at",
            "first_contact_due_at",
            "resolve_due_at",
            "next_progress_due_at",
            "callback_due_at",
            "first_contacted_at",
            "resolved_at",
            "closed_at",
            "reopen_count",
            # Send it back as seen_updated_at on a transition: a change since then is a 409.
            "updated_at",
        ]


class TicketEventOutputSerializer(serializers.ModelSerializer):
    actor = NamedSerializer(allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "verb", "actor", "from_status", "to_status", "payload", "at"]


class TransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Ticket.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    seen_updated_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="The ticket's updated_at as you last read it: if it changed since, 409.",
    )


class RevealOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
