"""Rendering a page inside the shell: one Jinja environment, the language, the day, the header.

Every HTML route renders through ``render`` (or ``viewcache.render_page`` for cached blocks), so
every page has the same header: the product, the pages the caller's role may use
(``fugong.web.shell``), the date picker when the page shows a day, the user, sign-out and the
language switch::

    return render(request, "healthcode/appeals.html", {"appeals": rows}, principal=principal)
    return render(request, "dashboard/explorer.html", {...}, principal=principal,
                  dates=DatePicker(choices=dashboard_days(settings), current=day))

Templates translate with ``_("English message")`` (fugong.web.i18n); ``lang`` is "zh" or "en".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from fugong.config import TIMEZONE
from fugong.web import labels
from fugong.web.i18n import LANGUAGES, translator

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
DAY_COOKIE = "day"  # the day chosen in the header, carried from page to page


def _pct(value: float | None) -> str:
    """A percentage with two decimals, or an em dash for "nobody reporting"."""
    return "—" if value is None else f"{value:.2f}"


def _num(value: float | None) -> str:
    """A count or kWh grouped by thousands, or an em dash."""
    return "—" if value is None else f"{value:,.0f}"


def json_text(value) -> str:
    """JSON for a <script type="application/json"> block ('</' escaped so it cannot end the block)."""
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


@pass_context
def _place(context, name: str | None) -> str:
    """A region name in the page's language (names catalogue)."""
    return translator(context.get("lang", "zh")).name("region", name)


@pass_context
def _band(context, band: str | None) -> str:
    """An index band ("恢复 recovering") in the page's language."""
    if not band:
        return ""
    if context.get("lang", "zh") == "zh":
        return band.split(" ", 1)[0]
    return translator("en").name("band", band)


@pass_context
def _group(context, row: dict) -> str:
    """The display name of an aggregate row: a region, an industry section, a category or a size."""
    return labels.group_name(row.get("level"), row.get("code"), row.get("name"), context.get("lang", "zh"))


# Filters, not macros, for numbers in big tables: a Jinja macro call per cell dominated page time.
templates.env.filters.update(pct=_pct, num=_num, place=_place, band=_band, group=_group)
templates.env.globals.update(labels=labels, json_data=json_text)


def language(request: Request, settings=None) -> str:
    """``?lang=en`` wins, then the ``lang`` cookie, then the configured default (zh)."""
    settings = settings or request.app.state.settings
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or settings.language
    return chosen if chosen in LANGUAGES else "zh"


# --- the day ---------------------------------------------------------------------------------------


def default_day(settings) -> dt.date:
    """The day every page shows by default: FUGONG_AS_OF, else today in Asia/Shanghai."""
    return settings.as_of or dt.datetime.now(ZoneInfo(TIMEZONE)).date()


FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)  # 0001-01-01 crashed day-before arithmetic


def _parse_day(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD day between 2000 and 2100, else None (20200220 and 0001-01-01 are not days here)."""
    if not text or len(text) != 10 or text[4] != "-":
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def chosen_day(request: Request, choices: list[dt.date] | None = None) -> dt.date:
    """The day a page shows: ``?date=`` (a bad one is a 400), else the day chosen in the header on an
    earlier page (cookie) when this page offers it, else the default day (FUGONG_AS_OF)."""
    from fastapi import HTTPException

    text = request.query_params.get("date")
    if text:
        day = _parse_day(text)
        if day is None:
            from fugong.errors import shown
            from fugong.web.errors import Problem
            from fugong.web.i18n import N_

            raise HTTPException(status_code=400, detail=Problem(
                N_("date %(value)s is not YYYY-MM-DD between 2000 and 2100"), value=shown(text)))
        return day
    remembered = _parse_day(request.cookies.get(DAY_COOKIE))
    if remembered is not None and (choices is None or remembered in choices):
        return remembered
    return default_day(request.app.state.settings)


@dataclass(frozen=True)
class DatePicker:
    """The header's date picker: the days this page has results for, and the one shown."""

    choices: tuple[str, ...]
    current: str

    @classmethod
    def of(cls, choices, current: dt.date) -> DatePicker:
        days = sorted({d.isoformat() if isinstance(d, dt.date) else str(d) for d in choices}, reverse=True)
        return cls(choices=tuple(days), current=current.isoformat())


def dashboard_days(settings) -> list[dt.date]:
    """Days with index results or risk publications: the command centre's days."""
    from fugong.dashboard.service import result_dates

    days = set(result_dates(settings))
    try:
        from fugong.risk.services import publication_dates
        from fugong.store.db import session_scope, shared_engine

        with session_scope(shared_engine(settings.resolved_database_url)) as session:
            days.update(publication_dates(session, rule_set=settings.risk_rules))
    except Exception:  # noqa: BLE001 - a database never migrated: index days only
        pass
    return sorted(days)


# --- rendering -------------------------------------------------------------------------------------


def chrome(request: Request, principal=None, *, dates: DatePicker | None = None) -> dict:
    """The per-request context of the shell (base.html): language, translator, links, user, CSRF."""
    from fugong.accounts.web import csrf_token, optional_principal
    from fugong.web.shell import landing_path, nav_links

    if principal is None:
        principal = getattr(request.state, "principal", None)
        if principal is None:
            try:
                principal = optional_principal(request)
            except Exception:  # noqa: BLE001 - an error page must render even when accounts cannot
                principal = None
    lang = language(request)
    tr = translator(lang)
    return {
        "lang": lang, "_": tr, "gettext": tr, "ngettext": tr.ngettext, "tr": tr,
        "principal": principal, "nav": nav_links(principal, request.url.path),
        "home_path": landing_path(principal) if principal else "/",
        "csrf_token": csrf_token(request), "dates": dates, "current_path": request.url.path,
    }


def remember_choices(request: Request, response) -> None:
    """Keep the language and the day chosen in this request for the next pages (cookies)."""
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", request.query_params["lang"], samesite="lax", httponly=True)
    day = _parse_day(request.query_params.get("date"))
    if day is not None:
        response.set_cookie(DAY_COOKIE, day.isoformat(), samesite="lax", httponly=True)


def render(request: Request, template: str, context: dict, *, principal=None, status_code: int = 200,
           dates: DatePicker | None = None, headers: dict | None = None) -> HTMLResponse:
    """A page in the shell. ``context`` wins over the shell's names except the translator."""
    full = {**chrome(request, principal, dates=dates), **context}
    response = templates.TemplateResponse(request, template, full, status_code=status_code, headers=headers)
    remember_choices(request, response)
    return response


def block_context(lang: str, **context) -> dict:
    """The context of blocks rendered once per data version (viewcache.page_blocks): no user, no request."""
    tr = translator(lang)
    return {"lang": lang, "_": tr, "gettext": tr, "ngettext": tr.ngettext, "tr": tr, **context}
