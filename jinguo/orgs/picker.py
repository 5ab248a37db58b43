"""Choosing a unit in a form or a filter, at any scale: the select lists the units of the user's
scope in tree order up to a limit; a larger scope (a city cadre's 2,600 units) keeps its upper
levels in the select and gets a search box beside it that fills the select with the units found
(the `unit_options` partial). Any unit of the scope is valid, listed or not (`UnitChoiceField`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse

from jinguo.accounts.permissions import Perm

from .models import Unit

OPTIONS_LIMIT = 300
SEARCH_LIMIT = 50


PERMS = {p.value: p for p in Perm}  # the permission a form needs, by its name in the options URL


@dataclass
class Choices:
    options: list[tuple[str, str]]  # (pk, label) for the select
    searchable: bool  # the scope holds more units than the select lists


@dataclass
class Picker:
    """What components/unit_picker.html draws: a select named `name`, and the search box."""

    name: str
    options: list[tuple[str, str]]
    searchable: bool
    url: str
    blank: str
    selected: str


def options_url(name: str, perm: Perm, *, open_only: bool, blank: str) -> str:
    query = urlencode({"field": name, "perm": perm.value, "open": "1" if open_only else "", "blank": blank})
    return f"{reverse('orgs:options')}?{query}"


def picker(user: Any, name: str, perm: Perm, *, open_only: bool, blank: str, selected: Any = None) -> Picker:
    found = choices(user, perm, open_only=open_only, selected=selected)
    url = options_url(name, perm, open_only=open_only, blank=blank)
    return Picker(name, found.options, found.searchable, url, blank, "" if selected is None else str(selected))


def scope(user: Any, perm: Perm, *, open_only: bool) -> Any:
    qs = Unit.objects.for_user(user, perm=perm)
    return qs.open() if open_only else qs


def choices(user: Any, perm: Perm, *, open_only: bool, selected: Any = None) -> Choices:
    """The units of the select, indented by depth ('　东一社区'), with `selected` always among them."""
    qs = scope(user, perm, open_only=open_only).only("id", "name", "path", "depth")
    units = list(qs[: OPTIONS_LIMIT + 1])
    searchable = len(units) > OPTIONS_LIMIT
    if searchable:
        top = min(u.depth for u in units)
        units = list(qs.filter(depth__lte=top + 1)[:OPTIONS_LIMIT])
    top = min((u.depth for u in units), default=1)
    options = [(str(u.pk), "\u3000" * (u.depth - top) + u.name) for u in units]
    if selected not in (None, "") and str(selected) not in {pk for pk, _ in options}:
        chosen = qs.filter(pk=selected).first() if str(selected).isdigit() else None
        if chosen is not None:
            options.append((str(chosen.pk), with_trail([chosen])[0][1]))
    return Choices(options, searchable)


def with_trail(units: list[Unit]) -> list[tuple[str, str]]:
    """(pk, "东街道 / 东一社区") for each unit, its ancestors named in one query."""
    wanted = {p for u in units for p in u.ancestor_paths()[1:-1]}
    names = dict(Unit.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    return [(str(u.pk), " / ".join([*(names.get(p, "") for p in u.ancestor_paths()[1:-1]), u.name])) for u in units]


def search(user: Any, perm: Perm, term: str, *, open_only: bool) -> tuple[list[tuple[str, str]], bool]:
    """Units of the scope whose name holds `term` (or whose division code starts with it)."""
    found = list(scope(user, perm, open_only=open_only).search(term)[: SEARCH_LIMIT + 1])
    return with_trail(found[:SEARCH_LIMIT]), len(found) > SEARCH_LIMIT


class UnitChoiceField(forms.ChoiceField):
    """A unit of the user's scope: the widget lists some, search finds the others, any of them is
    valid. Cleans to the Unit. `offer()` sets it up for a user (forms call it in __init__)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queryset = Unit.objects.none()
        self.searchable = False
        self.picker_url = ""

    def offer(self, user: Any, name: str, perm: Perm, *, open_only: bool, blank: str, selected: Any = None) -> None:
        self.queryset = scope(user, perm, open_only=open_only)
        found = choices(user, perm, open_only=open_only, selected=selected)
        self.choices = [("", blank), *found.options]
        self.searchable = found.searchable
        self.picker_url = options_url(name, perm, open_only=open_only, blank=blank)

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() and self.queryset.filter(pk=value).exists()

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.queryset.get(pk=value) if value else None
