"""The customer's survey page and survey_answer refusing bad input: forged, tampered,
unknown, expired and used links; scores out of range; a second submission; CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feedback.models import Survey
from feedback.services import SurveyClosed, survey_answer
from feedback.surveys import SALT, survey_token
from sla.services import sla_sweep
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_transition
from tickets.services.work import ticket_resolve

pytestmark = pytest.mark.django_db
S = Ticket.Status


@pytest.fixture(autouse=True)
def english(client):
    """The page in English (the language switcher's cookie), so assertions read the msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def survey(outbox_settings, team_kitchen, agent) -> Survey:
    """A survey sent just now (the page reads the real clock) of an L3 ticket resolved weeks ago."""
    start = timezone.now() - timedelta(days=30)
    ticket = TicketFactory(now=start, tier="L3", team=team_kitchen)
    for status in (S.CONTACTED, S.IN_PROGRESS):
        ticket = ticket_transition(ticket=ticket, to_status=status, actor=agent, now=start)
    ticket_resolve(
        ticket=ticket,
        resolution_code=Ticket.Resolution.REPAIRED,
        root_cause=Ticket.RootCause.USAGE,
        resolution_note="指导客户清洗滤网",
        actor=agent,
        now=start,
    )
    sla_sweep(now=timezone.now())
    return Survey.objects.get(ticket=ticket)


def url(token: str) -> str:
    return reverse("survey", kwargs={"token": token})


def nothing_recorded(survey: Survey) -> bool:
    survey.refresh_from_db()
    answered = survey.ticket.events.filter(verb=TicketEvent.Verb.SURVEY_ANSWERED).exists()
    return survey.answered_at is None and survey.satisfaction is None and not answered


def test_the_route_is_short_and_public(survey, client):
    token = survey_token(survey)
    assert url(token) == f"/s/{token}/"
    page = client.get(url(token))
    assert page.status_code == 200
    assert 'name="satisfaction"' in page.content.decode()
    assert survey.ticket.number in page.content.decode()
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "1.abc:def",
        signing.Signer(salt=SALT).sign("999999.nonce"),  # genuine signature, unknown survey
        signing.Signer(salt="another-salt").sign("1.nonce"),
    ],
)
def test_forged_and_unknown_links_get_one_invalid_page(survey, client, token):
    for response in (client.get(url(token)), client.post(url(token), {"satisfaction": "5"})):
        assert response.status_code == 404
        assert "closed-invalid" in response.content.decode()
    assert nothing_recorded(survey)


def test_a_tampered_or_wrong_nonce_link_looks_like_any_invalid_one(survey, client):
    token = survey_token(survey)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    wrong_nonce = signing.Signer(salt=SALT).sign(f"{survey.pk}.{'x' * 22}")
    unknown = client.get(url("forged")).content

    for bad in (tampered, wrong_nonce):
        response = client.post(url(bad), {"satisfaction": "5", "solved": "yes"})
        assert response.status_code == 404
        assert response.content == unknown  # nothing tells an id that exists from one that not
    assert nothing_recorded(survey)


def test_an_expired_link_records_nothing(survey, client):
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for response in (
        client.get(url(survey_token(survey))),
        client.post(url(survey_token(survey)), {"satisfaction": "5", "solved": "yes"}),
    ):
        assert response.status_code == 410
        assert "closed-expired" in response.content.decode()
    assert nothing_recorded(survey)


@pytest.mark.parametrize("score", ["0", "6", "x", "", "4.5"])
def test_a_score_outside_1_to_5_is_a_field_error(survey, client, score):
    response = client.post(url(survey_token(survey)), {"satisfaction": score, "solved": "yes"})
    page = response.content.decode()
    assert response.status_code == 200  # not 4xx: Django would log the live link's path
    assert "Choose a score from 1 to 5." in page
    assert 'class="question scores has-error"' in page
    assert nothing_recorded(survey)


def test_nps_out_of_range_and_a_missing_solved_are_field_errors(survey, client):
    response = client.post(url(survey_token(survey)), {"satisfaction": "4", "nps": "11"})
    page = response.content.decode()
    assert "Choose from 0 to 10, or leave it out." in page
    assert "Say whether the problem is solved." in page
    assert nothing_recorded(survey)


def test_a_second_submission_is_refused_politely(survey, client):
    token = survey_token(survey)
    first = client.post(url(token), {"satisfaction": "5", "solved": "yes", "nps": "10"})
    assert "closed-thanks" in first.content.decode()

    second = client.post(url(token), {"satisfaction": "1", "solved": "no"})
    again = client.get(url(token))

    for response in (second, again):
        assert response.status_code == 200
        assert "closed-answered" in response.content.decode()
    survey.refresh_from_db()
    assert (survey.satisfaction, survey.solved, survey.nps) == (5, True, 10)
    events = survey.ticket.events.filter(verb=TicketEvent.Verb.SURVEY_ANSWERED)
    assert events.count() == 1
    survey.ticket.refresh_from_db()
    assert survey.ticket.status == S.CLOSED


def test_csrf_stays_on(survey):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(survey_token(survey)), {"satisfaction": "5", "solved": "yes"})
    assert response.status_code == 403
    assert nothing_recorded(survey)


def test_the_page_offers_five_scores_yes_no_and_nps(survey, client):
    page = client.get(url(survey_token(survey))).content.decode()
    for score in range(1, 6):
        assert f'name="satisfaction" value="{score}"' in page
    assert 'name="solved" value="yes"' in page and 'name="solved" value="no"' in page
    assert page.count('name="nps"') == 11
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<meta name="referrer" content="same-origin">' in page


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"satisfaction": 0, "solved": True}, "satisfaction"),
        ({"satisfaction": 6, "solved": True}, "satisfaction"),
        ({"satisfaction": "5", "solved": True}, "satisfaction"),
        ({"satisfaction": True, "solved": True}, "satisfaction"),
        ({"satisfaction": 4, "solved": None}, "solved"),
        ({"satisfaction": 4, "solved": True, "nps": 11}, "nps"),
        ({"satisfaction": 4, "solved": True, "comment": "长" * 1001}, "comment"),
    ],
)
def test_survey_answer_names_the_bad_field(survey, answers, field):
    with pytest.raises(ValidationError) as excinfo:
        survey_answer(survey=survey, via="link", **answers)
    assert field in excinfo.value.message_dict
    assert nothing_recorded(survey)


def test_survey_answer_refuses_a_second_answer_and_an_expired_link(survey, agent):
    survey_answer(survey=survey, satisfaction=4, solved=True, via="link")
    with pytest.raises(SurveyClosed) as excinfo:
        survey_answer(survey=survey, satisfaction=1, solved=False, via="link")
    assert excinfo.value.already_answered

    other = Survey.objects.get(pk=survey.pk)
    Survey.objects.filter(pk=other.pk).update(answered_at=None, satisfaction=None, solved=None)
    late = other.expires_at + timedelta(seconds=1)
    with pytest.raises(SurveyClosed) as excinfo:
        survey_answer(survey=other, satisfaction=4, solved=True, via="link", now=late)
    assert not excinfo.value.already_answered
    # An agent on the phone may still record what the customer says.
    recorded = survey_answer(
        survey=other, satisfaction=4, solved=True, via="call", actor=agent, now=late
    )
    assert (recorded.answered_via, recorded.answered_by) == ("call", agent)


def test_only_staff_who_work_tickets_record_answers_by_call(survey, store_clerk):
    from tickets.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        survey_answer(survey=survey, satisfaction=4, solved=True, via="call", actor=store_clerk)
    with pytest.raises(PermissionDeniedError):
        survey_answer(survey=survey, satisfaction=4, solved=True, via="call")
    assert nothing_recorded(survey)
