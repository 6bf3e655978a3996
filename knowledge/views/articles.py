"""The knowledge base's staff pages: search and list, read, write, edit, publish and retire.

Every page needs `knowledge.view_article` (drafts and internal articles are staff-only);
writing needs add/change_article and publishing publish_article, which the services check too.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledge.forms.articles import ArticleCreateForm, ArticleEditForm, ArticleFilterForm
from knowledge.models import Article, ArticleVersion
from knowledge.selectors import articles as selectors
from knowledge.services import articles as services
from tickets.errors import PermissionDeniedError
from tickets.models import Ticket
from tickets.selectors.core import ticket_get_for_user


def _require(request, perm: str, message: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(message)


def _article_or_404(request, pk: int) -> Article:
    _require(request, "knowledge.view_article", _("You may not read the knowledge base."))
    try:
        return selectors.article_get(pk=pk)
    except Article.DoesNotExist:
        raise Http404 from None


def _source_ticket_or_404(request, number: str) -> Ticket:
    try:
        return ticket_get_for_user(user=request.user, number=number)
    except Ticket.DoesNotExist:
        raise Http404(_("No such ticket, or not yours to see.")) from None


def _list_context(request) -> dict:
    form = ArticleFilterForm(request.GET)
    form.is_valid()  # a bad filter is shown as an error on its field and otherwise ignored
    can_filter_status = request.user.has_perm("knowledge.publish_article")
    status = form.value_of("status") if can_filter_status else None
    product, tag = form.value_of("product"), form.value_of("tag")
    page = selectors.article_list_page(
        query=form.value_of("q") or "",
        statuses=(status or Article.Status.PUBLISHED,),
        audience=form.value_of("audience"),
        product_id=product.pk if product else None,
        tag_id=tag.pk if tag else None,
        page=form.value_of("page") or 1,
    )
    return {"form": form, "page": page, "can_filter_status": can_filter_status}


@login_required
@require_GET
def article_list(request):
    _require(request, "knowledge.view_article", _("You may not read the knowledge base."))
    context = _list_context(request)
    if request.htmx:
        return render(request, "knowledge/articles/_results.html", context)
    context |= {"choices": selectors.article_filter_choices()}
    if request.user.has_perm("knowledge.add_article"):
        context["my_drafts"] = selectors.article_drafts_of(user=request.user)
    return render(request, "knowledge/articles/list.html", context)


@login_required
@require_GET
def article_detail(request, pk: int):
    article = _article_or_404(request, pk)
    context = {
        "article": article,
        "source_ticket": selectors.article_source_ticket_for_user(
            article=article, user=request.user
        ),
        "versions": selectors.article_versions(article=article),
    }
    return render(request, "knowledge/articles/detail.html", context)


@login_required
@require_GET
def article_version(request, pk: int, number: int):
    article = _article_or_404(request, pk)
    try:
        version = selectors.article_version_get(article=article, number=number)
    except ArticleVersion.DoesNotExist:
        raise Http404 from None
    return render(
        request, "knowledge/articles/version.html", {"article": article, "version": version}
    )


def _form_page(request, form, *, article=None, conflict=None, status=200):
    context = {"form": form, "article": article, "conflict": conflict}
    context["choices"] = selectors.article_filter_choices()
    return render(request, "knowledge/articles/form.html", context, status=status)


def _field_error(form, exc: services.ArticleInvalid) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@login_required
@require_http_methods(["GET", "POST"])
def article_create(request):
    _require(request, "knowledge.add_article", _("You may not write knowledge articles."))
    number = (request.POST if request.method == "POST" else request.GET).get("ticket", "")
    ticket = _source_ticket_or_404(request, number) if number else None
    if request.method == "GET":
        form = ArticleCreateForm(initial={"ticket": number})
        if ticket is not None:
            try:
                form.initial |= services.article_prefill_from_ticket(
                    ticket=ticket, actor=request.user
                )
            except services.ArticleInvalid as exc:
                messages.error(request, str(exc))
                return _form_page(request, ArticleCreateForm(), status=400)
        return _form_page(request, form)
    form = ArticleCreateForm(request.POST)
    if form.is_valid():
        try:
            article = services.article_create(
                **form.service_kwargs(), source_ticket=ticket, actor=request.user
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.ArticleInvalid as exc:
            _field_error(form, exc)
        else:
            messages.success(request, _("Draft saved. Publish it when it is ready."))
            return redirect("knowledge:article_detail", pk=article.pk)
    return _form_page(request, form, status=400)


def _edit_initial(article: Article) -> dict:
    return {
        "title": article.title,
        "problem": article.problem,
        "cause": article.cause,
        "solution": article.solution,
        "audience": article.audience,
        "products": [product.pk for product in article.products.all()],
        "tags": [tag.pk for tag in article.tags.all()],
        "version": article.version,
        # ISO text, not the widget's format, which drops the microseconds compared on save.
        "seen_updated_at": article.updated_at.isoformat(),
    }


def _conflict_form(request, current: Article) -> ArticleEditForm:
    """The user's typed values, carried onto the current version so saving again overwrites
    it knowingly."""
    data = request.POST.copy()
    data["version"] = str(current.version)
    data["seen_updated_at"] = current.updated_at.isoformat()
    form = ArticleEditForm(data)
    form.is_valid()
    return form


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request, pk: int):
    article = _article_or_404(request, pk)
    _require(request, "knowledge.change_article", _("You may not edit knowledge articles."))
    if request.method == "GET":
        return _form_page(request, ArticleEditForm(initial=_edit_initial(article)), article=article)
    form = ArticleEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.article_update(
                article=article,
                expected_version=data["version"],
                seen_updated_at=data["seen_updated_at"],
                note=data["note"],
                **form.service_kwargs(),
                actor=request.user,
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.StaleArticle as exc:
            messages.error(request, str(exc))
            current = selectors.article_get(pk=pk)
            form = _conflict_form(request, current)
            return _form_page(request, form, article=current, conflict=current, status=409)
        except services.ArticleInvalid as exc:
            _field_error(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:article_detail", pk=pk)
    return _form_page(request, form, article=article, status=400)


def _status_change(request, pk: int, service, done: str):
    article = _article_or_404(request, pk)
    try:
        service(article=article, actor=request.user, now=timezone.now())
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, done)
    return redirect("knowledge:article_detail", pk=pk)


@login_required
@require_POST
def article_publish(request, pk: int):
    done = _("Published: search and suggestions offer it now.")
    return _status_change(request, pk, services.article_publish, done)


@login_required
@require_POST
def article_retire(request, pk: int):
    done = _("Retired: search and suggestions no longer offer it.")
    return _status_change(request, pk, services.article_retire, done)


urlpatterns = [
    path("", article_list, name="article_list"),
    path("articles/new/", article_create, name="article_create"),
    path("articles/<int:pk>/", article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", article_edit, name="article_edit"),
    path("articles/<int:pk>/publish/", article_publish, name="article_publish"),
    path("articles/<int:pk>/retire/", article_retire, name="article_retire"),
    path("articles/<int:pk>/versions/<int:number>/", article_version, name="article_version"),
]
