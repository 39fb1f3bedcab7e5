"""Rendering a page: the templates, the store, and what every page shares (navigation, the
form token, dates and numbers as people read them)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from collections import OrderedDict
from functools import cached_property
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader

from mlwright.display.card import number
from mlwright.studio.guard import csrf_token
from mlwright.studio.settings import StudioSettings


#: Models kept loaded for the try-it form: a few, as each may hold tens of megabytes.
LOADED_MODELS = 8


class Studio:
    """The state behind every page: settings, the opened store, the templates, the jobs."""

    def __init__(self, settings: StudioSettings):
        from mlwright.studio.jobs import Jobs

        self.settings = settings
        self.jobs = Jobs(settings)
        #: Registered versions loaded for the try-it form, by version id (a version never changes),
        #: the most recently used last; at most ``LOADED_MODELS`` stay in memory.
        self.models: OrderedDict[int, object] = OrderedDict()
        self.templates = Environment(loader=PackageLoader("mlwright.studio", "templates"), autoescape=True,
                                     trim_blocks=True, lstrip_blocks=True)
        self.templates.filters.update(number=number, when=when, short_json=short_json, percent=percent)

    @cached_property
    def store(self):
        from mlwright.registry.store import open_store

        return open_store(self.settings.store)

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(template).render(request=request, csrf=csrf_token(request),
                                                            signed_in=bool(self.settings.api_keys), **context)
        return HTMLResponse(html, status_code=status)


def studio_of(request: Request) -> Studio:
    return request.app.state.studio


def when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def short_json(value: Any, most: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= most else text[:most - 1] + "…"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * float(value):.1f}%"
