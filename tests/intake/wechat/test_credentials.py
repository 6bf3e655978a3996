"""Credentials come from the environment; admin overrides them field by field, without echo."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from intake.models import WechatCallbackEvent, WechatCredentials
from intake.wechat.selectors import wechat_credentials
from tests.intake.wechat.conftest import CORP_ID, TOKEN
from tests.intake.wechat.test_callback import post
from tests.intake.wechat.wechat_server import WechatServer, kf_event_xml
from tests.tickets.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/intake/wechatcredentials/"


@pytest.fixture
def staff_admin(db):
    """The admin role as a staff member, not a superuser: the group's permissions count."""
    user = UserFactory(username="ops", role="admin", is_staff=True)
    assert not user.is_superuser
    return user


def test_without_a_row_the_environment_applies(wechat_settings):
    credentials = wechat_credentials()
    assert (credentials.corp_id, credentials.token) == (CORP_ID, TOKEN)
    assert credentials.aes_key == wechat_settings.WECHAT_WORK_AES_KEY
    assert credentials.callback_ready


def test_a_token_rotated_in_admin_takes_over_the_callback(client, wechat, aes_key):
    WechatCredentials.objects.create(token="rotated-token")
    rotated = WechatServer(token="rotated-token", encoding_aes_key=aes_key, corp_id=CORP_ID)

    assert post(client, wechat, kf_event_xml(token="old")).status_code == 403
    assert post(client, rotated, kf_event_xml(token="new")).status_code == 200
    assert list(WechatCallbackEvent.objects.values_list("token", flat=True)) == ["new"]


def test_admin_overrides_without_echoing_secrets_and_keeps_an_empty_box(
    client, staff_admin, wechat_settings, aes_key
):
    client.force_login(staff_admin)
    response = client.post(
        f"{URL}add/",
        {"corp_id": "ww-admin", "token": "tok-admin", "aes_key": aes_key, "secret": "s3cret"},
    )
    assert response.status_code == 302, response.content.decode()
    row = WechatCredentials.objects.get()
    page = client.get(f"{URL}{row.pk}/change/").content.decode()
    assert "tok-admin" not in page and "s3cret" not in page and aes_key not in page

    client.post(f"{URL}{row.pk}/change/", {"corp_id": "ww-admin-2", "token": "", "secret": ""})
    row.refresh_from_db()
    assert (row.corp_id, row.token, row.aes_key, row.secret) == (
        "ww-admin-2",
        "tok-admin",
        aes_key,
        "s3cret",
    )
    assert wechat_credentials().corp_id == "ww-admin-2"

    client.post(f"{URL}{row.pk}/change/", {"corp_id": "x", "clear": "on"})
    row.refresh_from_db()
    assert (row.corp_id, row.token, row.aes_key, row.secret) == ("", "", "", "")
    assert wechat_credentials().token == TOKEN


def test_a_malformed_aes_key_is_refused_naming_the_field(client, staff_admin):
    client.force_login(staff_admin)
    response = client.post(f"{URL}add/", {"aes_key": "too-short"})
    assert response.status_code == 200
    assert "aes_key" in response.context["adminform"].form.errors
    assert not WechatCredentials.objects.exists()


def test_only_the_admin_role_may_see_the_credentials(client, agent, manager, staff_admin):
    for user in (agent, manager):
        user.is_staff = True
        user.save()
        client.force_login(user)
        assert client.get(URL).status_code == 403
    client.force_login(staff_admin)
    assert client.get(URL).status_code == 200
    assert Group.objects.get(name="admin").permissions.filter(codename="change_wechatcredentials")


def test_there_is_only_ever_one_row(client, staff_admin):
    WechatCredentials.objects.create(corp_id="only")
    client.force_login(staff_admin)
    assert client.get(f"{URL}add/").status_code == 403
    assert reverse("admin:intake_wechatcredentials_changelist") == URL
