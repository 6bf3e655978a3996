"""Knowledge at work: "this solved it" on the ticket page, and the website form's self-service
(suggested public articles, the article page, "solved, no need to submit")."""

from __future__ import annotations

import logging
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

from knowledge.models import Article
from knowledge.selectors.work import public_article_get, public_suggestions, ticket_suggestions
from knowledge.services.work import article_deflect, article_mark_solved
from tickets.errors import DomainError, PermissionDeniedError
from tickets.views.core import ticket_or_404

logger = logging.getLogger(__name__)

VISITOR_COOKIE, VISITOR_SALT = "kb_visitor", "knowledge.visitor"
VISITOR_MAX_AGE = 365 * 24 * 3600
# Typing asks again after each pause, so the suggestions allow more than the form itself.
SUGGEST_LIMIT = ("knowledge.public.suggest.ip", "ip", "300/h")
DEFLECT_LIMIT = ("knowledge.public.deflect.ip", "ip", "30/h")


@login_required
@require_POST
def ticket_article_solved(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    article = get_object_or_404(Article, pk=pk)
    try:
        counted = article_mark_solved(article=article, ticket=ticket, actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        if request.htmx:
            return HttpResponse(str(exc), status=exc.http_status)
        messages.error(request, str(exc))
        return redirect("tickets:detail", number=number)
    if request.htmx:
        context = {"ticket": ticket, "knowledge_suggestions": ticket_suggestions(ticket=ticket)}
        return render(request, "knowledge/_suggestions.html", context)
    if counted:
        messages.success(request, _("Marked: “%(title)s” solved this ticket.") % {"title": article})
    return redirect("tickets:detail", number=number)


def _limited(request: HttpRequest, limit: tuple[str, str, str]) -> bool:
    group, key, rate = limit
    try:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    except RedisError:
        logger.exception("rate limit %s not counted: Redis unavailable", group)
        return False  # fail open: self-service is a nicety, never a wall


@require_GET
def public_suggest(request: HttpRequest) -> HttpResponse:
    """Up to three public articles for what the customer typed: a fragment for the form."""
    if _limited(request, SUGGEST_LIMIT):
        return HttpResponse(status=429)
    text = request.GET.get("q", "")[:1000]
    hits = public_suggestions(text=text) if text.strip() else []
    return render(request, "knowledge/work/_public_suggestions.html", {"hits": hits})


def _visitor(request: HttpRequest) -> str:
    return request.get_signed_cookie(VISITOR_COOKIE, default="", salt=VISITOR_SALT)


def _remember(response: HttpResponse, token: str) -> HttpResponse:
    response.set_signed_cookie(
        VISITOR_COOKIE,
        token,
        salt=VISITOR_SALT,
        max_age=VISITOR_MAX_AGE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _public_article_or_404(pk: int) -> Article:
    try:
        return public_article_get(pk=pk)
    except Article.DoesNotExist:
        raise Http404 from None


@require_GET
def public_article(request: HttpRequest, pk: int) -> HttpResponse:
    article = _public_article_or_404(pk)
    context = {"article": article, "solved": request.GET.get("solved") == "1"}
    response = render(request, "knowledge/work/public_article.html", context)
    token = _visitor(request)
    return response if token else _remember(response, secrets.token_urlsafe(24))


@require_POST
def public_deflect(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Solved, no need to submit": counted once per browser and article."""
    article = _public_article_or_404(pk)
    if _limited(request, DEFLECT_LIMIT):
        return render(request, "intake/web/too_many.html", status=429)
    token = _visitor(request) or secrets.token_urlsafe(24)
    try:
        article_deflect(article=article, visitor=token)
    except DomainError:
        raise Http404 from None  # retired or made internal since the page was opened
    response = redirect(f"{reverse('knowledge:public_article', args=[article.pk])}?solved=1")
    return _remember(response, token)


urlpatterns = [
    path(
        "tickets/<str:number>/articles/<int:pk>/solved/",
        ticket_article_solved,
        name="ticket_article_solved",
    ),
    path("public/suggest/", public_suggest, name="public_suggest"),
    path("public/articles/<int:pk>/", public_article, name="public_article"),
    path("public/articles/<int:pk>/solved/", public_deflect, name="public_deflect"),
]
