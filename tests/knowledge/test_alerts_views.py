"""The alerts page: who may see it, acknowledging by POST, the counted tickets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledge.models import Alert
from knowledge.services.alerts import alerts_check
from tests.knowledge.test_alerts import NOW, at, make_tickets
from tests.tickets.factories import ProductFactory


@pytest.fixture
def alert(db):
    product = ProductFactory(model_code="XQG100-B1", name="滚筒洗衣机")
    make_tickets(6, received_at=at(2026, 10, 3, 10), product=product, batch="2309-B01")
    [alert] = alerts_check(now=NOW)
    return alert


@pytest.mark.parametrize("role", ["agent", "team_lead", "store_clerk"])
def test_roles_outside_the_loop_get_403(client, request, alert, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("knowledge:alert_list")).status_code == 403
    assert client.get(reverse("knowledge:alert_detail", args=[alert.pk])).status_code == 403
    url = reverse("knowledge:alert_acknowledge", args=[alert.pk])
    assert client.post(url).status_code == 403


def test_anonymous_is_sent_to_log_in(client, alert):
    response = client.get(reverse("knowledge:alert_list"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ["manager", "product_manager", "product_director", "quality_lead"])
def test_loop_roles_see_the_open_alert(client, request, alert, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("knowledge:alert_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "XQG100-B1" in html and "2309-B01" in html
    assert reverse("knowledge:alert_detail", args=[alert.pk]) in html


def test_alert_list_queries_do_not_grow_with_alerts(
    client, manager, alert, django_assert_max_num_queries
):
    client.force_login(manager)
    product = ProductFactory(model_code="KFR-35GW")
    for batch in ("A1", "A2", "A3", "A4"):
        make_tickets(6, received_at=at(2026, 10, 4, 10), product=product, batch=batch)
    alerts_check(now=NOW)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("knowledge:alert_list"))
    assert response.content.decode().count('class="alert-row') == 5


def test_director_may_not_acknowledge(client, product_director, alert):
    client.force_login(product_director)
    url = reverse("knowledge:alert_acknowledge", args=[alert.pk])
    assert client.post(url).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_manager_acknowledges_by_post_and_it_leaves_the_open_list(client, manager, alert):
    client.force_login(manager)
    url = reverse("knowledge:alert_acknowledge", args=[alert.pk])
    assert client.get(url).status_code == 405

    response = client.post(url, {"state": "open"})

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == manager
    assert 'class="alert-row' not in client.get(reverse("knowledge:alert_list")).content.decode()
    seen = client.get(reverse("knowledge:alert_list") + "?state=acknowledged").content.decode()
    assert f'id="alert-{alert.pk}"' in seen


def test_acknowledge_unknown_alert_is_404(client, manager, db):
    client.force_login(manager)
    assert client.post(reverse("knowledge:alert_acknowledge", args=[999999])).status_code == 404


def test_odd_state_and_page_fall_back(client, manager, alert):
    client.force_login(manager)
    response = client.get(reverse("knowledge:alert_list") + "?state=<b>&page=zz")
    assert response.status_code == 200
    assert f'id="alert-{alert.pk}"' in response.content.decode()


def test_detail_lists_the_counted_tickets_and_links_a_problem_report(client, manager, alert):
    client.force_login(manager)
    response = client.get(reverse("knowledge:alert_detail", args=[alert.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for number in Alert.objects.get().product.tickets.values_list("number", flat=True):
        assert reverse("tickets:detail", args=[number]) in html
    assert f"{reverse('knowledge:report_create')}?alert={alert.pk}" in html


def test_product_manager_sees_numbers_but_no_links_to_tickets_they_cannot_open(
    client, product_manager, alert
):
    client.force_login(product_manager)
    html = client.get(reverse("knowledge:alert_detail", args=[alert.pk])).content.decode()
    number = alert.product.tickets.values_list("number", flat=True).first()
    assert number in html
    assert reverse("tickets:detail", args=[number]) not in html
