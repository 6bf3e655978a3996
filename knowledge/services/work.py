"""Knowledge at work (issue 8 §2): an article solved a ticket, or spared a customer one."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import Article, ArticleUse
from tickets.errors import DomainError, PermissionDeniedError
from tickets.models import Ticket, User


class ArticleNotUsable(DomainError):
    """Only a published article can be counted as having helped."""

    code = "article_not_usable"
    http_status = 409


@transaction.atomic
def article_mark_solved(
    *, article: Article, ticket: Ticket, actor: User, now: datetime | None = None
) -> bool:
    """Record that the article solved the ticket: once per ticket and article.

    Returns whether this call counted it (False: it was already marked).
    """
    if not actor.has_perm("tickets.transition_ticket"):
        raise PermissionDeniedError(
            _("Only those who work tickets can mark an article as solving one.")
        )
    now = now or timezone.now()
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if locked.status != Article.Status.PUBLISHED:
        raise ArticleNotUsable(_("Only a published article can be marked as solving a ticket."))
    created = _use_record(
        article=locked, kind=ArticleUse.Kind.SOLVED, ticket=ticket, actor=actor, now=now
    )
    if created:
        Article.objects.filter(pk=locked.pk).update(solved_count=F("solved_count") + 1)
    return created


@transaction.atomic
def article_deflect(*, article: Article, visitor: str, now: datetime | None = None) -> bool:
    """A customer read the public article and needs no ticket: once per visitor and article.

    `visitor` is the browser's own random token; only its keyed hash is stored.
    Returns whether this call counted it.
    """
    if not visitor:
        raise DomainError(_("Your browser did not keep our cookie: please try again."))
    now = now or timezone.now()
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if locked.status != Article.Status.PUBLISHED or locked.audience != Article.Audience.PUBLIC:
        raise ArticleNotUsable(_("This article is not available."))
    created = _use_record(
        article=locked, kind=ArticleUse.Kind.DEFLECTED, visitor=visitor_hash(visitor), now=now
    )
    if created:
        Article.objects.filter(pk=locked.pk).update(deflected_count=F("deflected_count") + 1)
    return created


def visitor_hash(token: str) -> str:
    """A keyed hash of the browser's token: the same browser, never who it is."""
    key = f"knowledge.visitor:{settings.SECRET_KEY}".encode()
    return hashlib.blake2b(token.encode(), key=key[:64], digest_size=32).hexdigest()


def _use_record(*, article: Article, kind: str, now: datetime, **fields) -> bool:
    # The row's unique constraint decides a race between two clicks; the savepoint keeps the
    # transaction usable when it says no.
    try:
        with transaction.atomic():
            ArticleUse.objects.create(article=article, kind=kind, at=now, **fields)
    except IntegrityError:
        return False
    return True
