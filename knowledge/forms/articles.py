"""Forms of the article pages: the search and filters of the list, and writing or editing one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import Article
from knowledge.selectors.articles import MAX_PAGE
from knowledge.services.articles import MAX_LENGTHS
from tickets.models import Product, Tag

# A search box takes a sentence or two; anything longer is cut, not refused (search reads
# only its start anyway).
MAX_QUERY_CHARS = 500


class ArticleFilterForm(forms.Form):
    """The list's GET parameters. A value that is not one of the choices is an error on its
    field, and the list is shown without that filter."""

    q = forms.CharField(label=_("Search"), required=False, strip=True)
    product = forms.ModelChoiceField(
        label=_("Product model"),
        queryset=Product.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("No such product model.")},
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        queryset=Tag.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("No such tag.")},
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Published")), *Article.Status.choices], required=False
    )
    audience = forms.ChoiceField(
        label=_("Audience"), choices=[("", _("All")), *Article.Audience.choices], required=False
    )
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=MAX_PAGE)

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:MAX_QUERY_CHARS]

    def value_of(self, name: str):
        """The field's clean value, or None when it was missing or wrong."""
        if name in self.errors:
            return None
        return self.cleaned_data.get(name) or None


def _text(label, name: str, *, required: bool = True, rows: int = 5, widget=None):
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_LENGTHS[name],
        widget=widget or forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": _("This field cannot be empty.")},
    )


class ArticleForm(forms.Form):
    """An article's text, audience, products and tags, as written or edited."""

    title = _text(_("Title"), "title", widget=forms.TextInput)
    problem = _text(_("Problem"), "problem", rows=4)
    cause = _text(_("Cause"), "cause", required=False, rows=3)
    solution = _text(_("Solution"), "solution", rows=8)
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=Article.Audience.choices,
        initial=Article.Audience.INTERNAL,
        help_text=_("Public articles are offered to customers on the website once published."),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Product models"),
        queryset=Product.objects.all(),
        required=False,
        error_messages={
            "invalid_choice": _("One of the product models does not exist."),
            "invalid_pk_value": _("One of the product models does not exist."),
        },
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        error_messages={
            "invalid_choice": _("One of the tags does not exist."),
            "invalid_pk_value": _("One of the tags does not exist."),
        },
    )

    def service_kwargs(self) -> dict:
        """The cleaned values as the article services take them."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "problem": data["problem"],
            "cause": data["cause"],
            "solution": data["solution"],
            "audience": data["audience"],
            "product_ids": [product.pk for product in data["products"]],
            "tag_ids": [tag.pk for tag in data["tags"]],
        }

    def selected(self, name: str) -> set[str]:
        """The ids ticked in a multiple choice, as strings, for the template's options."""
        value = self[name].value() or []
        return {str(getattr(item, "pk", item)) for item in value}

    @property
    def selected_products(self) -> set[str]:
        return self.selected("products")

    @property
    def selected_tags(self) -> set[str]:
        return self.selected("tags")


class ArticleCreateForm(ArticleForm):
    # The resolved ticket the article is written from ("create from this ticket").
    ticket = forms.CharField(required=False, max_length=24, widget=forms.HiddenInput)


class ArticleEditForm(ArticleForm):
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=MAX_LENGTHS["note"],
        help_text=_("A line for the version history, e.g. “added the reset steps”."),
    )
    # The version and save time the form was filled in on: a save since then is a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen_updated_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)
