"""The seeded tag library: its size, its shape, and the demo reusing it."""

from __future__ import annotations

import pytest

from tickets import demo
from tickets.models import Tag, Ticket

pytestmark = pytest.mark.django_db


def test_the_library_has_groups_and_leaves_with_keywords() -> None:
    groups = Tag.objects.filter(parent=None)
    leaves = Tag.objects.filter(parent__isnull=False)
    assert groups.count() >= 5
    assert leaves.count() >= 40
    assert not leaves.filter(keywords=[]).exists()
    for tag in Tag.objects.select_related("parent"):
        assert tag.effective_tier in Ticket.Tier.values, tag
        assert tag.effective_category in [*Ticket.Category.values, ""], tag


def test_codes_are_slugs_and_unique() -> None:
    codes = list(Tag.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    assert all(code and code == code.lower() for code in codes)


def test_demo_tags_are_exactly_the_library_so_seed_demo_reuses_its_rows() -> None:
    library = {
        (tag.parent.name, tag.name)
        for tag in Tag.objects.filter(parent__isnull=False).select_related("parent")
    }
    demo_tags = {(group, name) for group, leaves in demo.TAGS.items() for name, _ in leaves}
    assert demo_tags == library
    assert set(demo.TAGS) == set(Tag.objects.filter(parent=None).values_list("name", flat=True))
    assert {problem.tag for problem in demo.PROBLEMS} <= library


def test_a_tag_made_outside_the_library_gets_a_placeholder_code() -> None:
    first = Tag.objects.create(name="临时标签一")
    second = Tag.objects.create(name="临时标签二")
    assert first.code.startswith("tag-")
    assert first.code != second.code
