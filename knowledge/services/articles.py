"""Writes on knowledge articles: write, edit (versioned), publish, retire; a draft from a ticket."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import Article, ArticleVersion
from knowledge.search import article_index
from tickets.errors import DomainError, PermissionDeniedError
from tickets.models import Product, Tag, Ticket, TicketTag, User
from tickets.phones import PHONE_IN_TEXT
from tickets.selectors.core import ticket_visible_to

# The longest text a field takes: long enough for any real write-up, short enough that a
# pasted log or a runaway script cannot bloat the index. Forms use the same limits.
MAX_LENGTHS = {"title": 200, "problem": 5000, "cause": 5000, "solution": 10000, "note": 200}
REQUIRED = ("title", "problem", "solution")
TEXT_FIELDS = ("title", "problem", "cause", "solution", "audience")
SOURCE_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)

PHONE_MASK = "***"  # what a phone number the customer typed into a ticket's text becomes


class ArticleInvalid(DomainError):
    """A value the article cannot take; `field` names the form field it belongs to."""

    code = "article_invalid"
    http_status = 400

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class StaleArticle(DomainError):
    """The edit form was filled in on a version of the article someone has saved since."""

    code = "stale_article"
    http_status = 409

    def __init__(self, current: Article) -> None:
        self.current = current
        super().__init__(
            _(
                "Someone else saved this article while you were editing it (now version "
                "%(version)d): compare with the current text below and save again."
            )
            % {"version": current.version}
        )


def _require(actor: User, perm: str, message: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDeniedError(message)


def _clean_text(values: dict[str, str]) -> dict[str, str]:
    """Strip every text field; the required ones must remain, none may exceed its limit."""
    cleaned = {name: (value or "").strip() for name, value in values.items()}
    for name in REQUIRED:
        if name in cleaned and not cleaned[name]:
            raise ArticleInvalid(name, _("This field cannot be empty."))
    for name, value in cleaned.items():
        limit = MAX_LENGTHS.get(name)
        if limit is not None and len(value) > limit:
            raise ArticleInvalid(
                name,
                _("At most %(limit)d characters (this has %(length)d).")
                % {"limit": limit, "length": len(value)},
            )
    return cleaned


def _audience(value: str) -> str:
    if value not in Article.Audience.values:
        raise ArticleInvalid("audience", _("Choose internal or public."))
    return value


def _rows(model, ids: Iterable[int], field: str, message: str) -> list:
    wanted = {int(pk) for pk in ids}
    rows = list(model.objects.filter(pk__in=wanted))
    if len(rows) != len(wanted):
        raise ArticleInvalid(field, message)
    return rows


def _products(ids: Iterable[int]) -> list[Product]:
    return _rows(Product, ids, "products", _("One of the product models does not exist."))


def _tags(ids: Iterable[int]) -> list[Tag]:
    return _rows(Tag, ids, "tags", _("One of the tags does not exist."))


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def _version_write(article: Article, *, note: str, actor: User, now: datetime) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        problem=article.problem,
        cause=article.cause,
        solution=article.solution,
        audience=article.audience,
        note=note,
        edited_by=actor,
        edited_at=now,
    )


def _source_check(ticket: Ticket, actor: User) -> None:
    if not ticket_visible_to(user=actor).filter(pk=ticket.pk).exists():
        raise PermissionDeniedError(_("You may not see this ticket."))
    if ticket.status not in SOURCE_STATUSES:
        raise ArticleInvalid(
            "ticket", _("Only a resolved or closed ticket has a solution to write up.")
        )


@transaction.atomic
def article_create(
    *,
    title: str,
    problem: str,
    cause: str,
    solution: str,
    audience: str,
    product_ids: Iterable[int],
    tag_ids: Iterable[int],
    source_ticket: Ticket | None = None,
    actor: User,
    now: datetime | None = None,
) -> Article:
    """A new draft at version 1, with its ArticleVersion 1, indexed for search.

    1. The actor may add articles; a source ticket is one they may see, resolved or closed.
    2. Text stripped and checked (required fields, limits), products and tags exist.
    3. Create the article and version 1, set products and tags, index it.
    """
    now = now or timezone.now()
    _require(actor, "knowledge.add_article", _("You may not write knowledge articles."))
    if source_ticket is not None:
        _source_check(source_ticket, actor)
    text = _clean_text({"title": title, "problem": problem, "cause": cause, "solution": solution})
    products, tags = _products(product_ids), _tags(tag_ids)
    article = Article.objects.create(
        **text,
        audience=_audience(audience),
        status=Article.Status.DRAFT,
        version=1,
        source_ticket=source_ticket,
        created_by=actor,
        updated_by=actor,
        created_at=now,
        updated_at=now,
    )
    article.products.set(products)
    article.tags.set(tags)
    _version_write(article, note="", actor=actor, now=now)
    article_index(article_ids=[article.pk])
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    expected_version: int,
    title: str,
    problem: str,
    cause: str,
    solution: str,
    audience: str,
    product_ids: Iterable[int],
    tag_ids: Iterable[int],
    note: str = "",
    actor: User,
    now: datetime | None = None,
    seen_updated_at: datetime | None = None,
) -> Article:
    """Save an edit; a changed text is the next version.

    1. The actor may change articles. Lock the row: two editors take turns.
    2. The form's version (and, when given, the updated_at it saw: products and tags change
       no version) must still be current, else StaleArticle (409) with the current article.
    3. Nothing changed: a no-op. A changed text (title, problem, cause, solution, audience)
       bumps the version and writes its ArticleVersion with the note; products and tags are
       set as given. Re-index when anything searched changed.
    """
    now = now or timezone.now()
    _require(actor, "knowledge.change_article", _("You may not edit knowledge articles."))
    locked = _locked(article)
    stale = locked.version != expected_version or (
        seen_updated_at is not None and locked.updated_at != seen_updated_at
    )
    if stale:
        raise StaleArticle(locked)
    text = _clean_text({"title": title, "problem": problem, "cause": cause, "solution": solution})
    text["audience"] = _audience(audience)
    note = _clean_text({"note": note})["note"]
    products, tags = _products(product_ids), _tags(tag_ids)
    text_changed = any(getattr(locked, name) != text[name] for name in TEXT_FIELDS)
    products_changed = {p.pk for p in products} != set(locked.products.values_list("pk", flat=True))
    tags_changed = {t.pk for t in tags} != set(locked.tags.values_list("pk", flat=True))
    if not (text_changed or products_changed or tags_changed):
        return locked
    if products_changed:
        locked.products.set(products)
    if tags_changed:
        locked.tags.set(tags)
    fields = ["updated_by", "updated_at"]
    if text_changed:
        for name, value in text.items():
            setattr(locked, name, value)
        locked.version += 1
        fields += [*TEXT_FIELDS, "version"]
    locked.updated_by, locked.updated_at = actor, now
    locked.save(update_fields=fields)
    if text_changed:
        _version_write(locked, note=note, actor=actor, now=now)
    article_index(article_ids=[locked.pk])
    return locked


def _status_set(article: Article, status: str, *, actor: User, now: datetime) -> Article:
    _require(
        actor, "knowledge.publish_article", _("Only team leads and managers publish articles.")
    )
    locked = _locked(article)
    if locked.status == status:
        return locked  # repeating it (a double click) changes nothing
    locked.status = status
    fields = ["status"]
    if status == Article.Status.PUBLISHED:
        locked.published_at = now
        fields.append("published_at")
    locked.save(update_fields=fields)
    return locked


@transaction.atomic
def article_publish(*, article: Article, actor: User, now: datetime | None = None) -> Article:
    """Publish a draft or a retired article: search and suggestions find it from now on."""
    return _status_set(article, Article.Status.PUBLISHED, actor=actor, now=now or timezone.now())


@transaction.atomic
def article_retire(*, article: Article, actor: User, now: datetime | None = None) -> Article:
    """Retire an article: search and suggestions no longer offer it; it can be republished."""
    return _status_set(article, Article.Status.RETIRED, actor=actor, now=now or timezone.now())


def text_scrub(text: str, *, names: Iterable[str] = ()) -> str:
    """The text without phone numbers and without the given (customer) names."""
    text = PHONE_IN_TEXT.sub(PHONE_MASK, text)
    for name in names:
        # A one-character "name" would blank out ordinary words; real ones are longer.
        if name and len(name.strip()) >= 2:
            text = text.replace(name.strip(), _("the customer"))
    return text


def article_prefill_from_ticket(*, ticket: Ticket, actor: User) -> dict:
    """A new article's initial values from a resolved or closed ticket the actor may see.

    Problem from the description, scene and symptom; cause from the root cause and the
    resolution; solution from what was done; the product and the confirmed tags. Never the
    customer's name or phone: both are scrubbed from every text.
    """
    _source_check(ticket, actor)
    names = [ticket.customer.name]

    def scrub(text: str) -> str:
        return text_scrub(text, names=names)

    problem = [ticket.description.strip()]
    if ticket.scene:
        problem.append(_("Scene: %(scene)s") % {"scene": ticket.scene})
    if ticket.symptom:
        problem.append(_("Symptom: %(symptom)s") % {"symptom": ticket.symptom})
    cause = []
    if ticket.root_cause:
        cause.append(_("Root cause: %(cause)s") % {"cause": ticket.get_root_cause_display()})
    if ticket.resolution_code:
        cause.append(_("Resolution: %(code)s") % {"code": ticket.get_resolution_code_display()})
    headline = (ticket.symptom or (ticket.description.strip().splitlines() or [""])[0])[:60]
    title = f"{ticket.product.name} {headline}" if ticket.product_id else headline
    confirmed = ticket.ticket_tags.filter(state=TicketTag.State.CONFIRMED)
    return {
        "title": scrub(title)[: MAX_LENGTHS["title"]],
        "problem": scrub("\n".join(problem))[: MAX_LENGTHS["problem"]],
        "cause": scrub("\n".join(cause))[: MAX_LENGTHS["cause"]],
        "solution": scrub(ticket.resolution_note)[: MAX_LENGTHS["solution"]],
        "audience": Article.Audience.INTERNAL,
        "products": [ticket.product_id] if ticket.product_id else [],
        "tags": list(confirmed.values_list("tag_id", flat=True)),
    }
