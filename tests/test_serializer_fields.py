"""FieldsCopiedShallow: each serializer instance gets its own bound fields, cheaply."""

import pytest
from rest_framework import serializers

from aftersales.api import FieldsCopiedShallow
from intake.api import ComplaintInputSerializer


def test_each_instance_binds_its_own_copies_and_the_declaration_stays_unbound():
    first = ComplaintInputSerializer(data={})
    second = ComplaintInputSerializer(data={})

    for name, declared in ComplaintInputSerializer._declared_fields.items():
        mine, theirs = first.fields[name], second.fields[name]
        assert mine is not theirs and mine is not declared
        assert (mine.parent, theirs.parent) == (first, second)
        assert mine.field_name == name and mine.source_attrs == [name]
        assert mine.validators is not declared.validators
        assert getattr(declared, "parent", None) is None


def test_what_one_instance_does_to_its_fields_leaves_the_next_alone():
    first = ComplaintInputSerializer(data={})
    first.fields["scene"].validators.append(lambda value: None)
    first.fields["scene"].required = True

    second = ComplaintInputSerializer(data={"scene": ""})
    assert len(second.fields["scene"].validators) == len(first.fields["scene"].validators) - 1
    assert second.fields["scene"].required is False


def test_it_validates_and_names_every_bad_field_as_drf_does():
    valid = ComplaintInputSerializer(
        data={
            "channel": "web",
            "customer_name": " 王女士 ",
            "phone": "13812345678",
            "description": "冰箱不制冷",
            "purchase_date": "2026-05-01",
            "description_confirmed": "true",
        }
    )
    assert valid.is_valid(), valid.errors
    assert valid.validated_data["customer_name"] == "王女士"
    assert valid.validated_data["description_confirmed"] is True

    invalid = ComplaintInputSerializer(
        data={"channel": "fax", "phone": "12", "description": "x" * 5001, "tier": "L9"}
    )
    assert not invalid.is_valid()
    assert set(invalid.errors) == {
        "channel",
        "customer_name",
        "phone",
        "description",
        "tier",
    }


@pytest.mark.parametrize(
    "nested",
    [
        lambda: serializers.ListField(child=serializers.CharField()),
        lambda: ComplaintInputSerializer(),
        lambda: serializers.PrimaryKeyRelatedField(many=True, read_only=True),
    ],
    ids=["list", "serializer", "many-relation"],
)
def test_nested_fields_are_refused_when_the_class_is_made(nested):
    with pytest.raises(TypeError, match="nested"):

        class Nested(FieldsCopiedShallow, serializers.Serializer):
            tags = nested()
