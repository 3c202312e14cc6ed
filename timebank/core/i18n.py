"""Language and time zone selection, and the template filters that format for people."""

from datetime import date, datetime
from functools import cache

import sqlalchemy as sa
from babel import Locale
from babel.dates import format_skeleton
from flask import current_app, has_app_context, has_request_context, request, session
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import babel
from .clock import local
from .csvio import where_text
from .privacy import mask_name, mask_phone

DEFAULT_LOCALE = "zh_CN"


def select_locale() -> str:
    """The chosen language: the switch (session), then the member's setting, then Chinese.

    API calls follow Accept-Language, defaulting to Chinese as well.
    """
    languages = list(current_app.config["LANGUAGES"])
    if not has_request_context():
        return DEFAULT_LOCALE
    if request.path.startswith("/api/"):
        header = request.headers.get("Accept-Language")
        if header:
            return request.accept_languages.best_match(languages) or DEFAULT_LOCALE
        return DEFAULT_LOCALE
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return DEFAULT_LOCALE


def current_locale() -> str:
    """The active language as a key of LANGUAGES ("zh_CN" or "en")."""
    locale = get_locale()
    if locale is None:
        return DEFAULT_LOCALE
    return _language_key(str(locale), tuple(current_app.config["LANGUAGES"]))


@cache
def _language_key(identifier: str, languages: tuple[str, ...]) -> str:
    """The LANGUAGES key naming a Babel locale identifier; parsed once per process, as the
    board asks for it on every card (Locale.parse is slow)."""
    for key in languages:
        if str(Locale.parse(key)) == identifier:
            return key
    return DEFAULT_LOCALE


def localized_name(name: str | None, name_en: str | None, locale: str | None = None) -> str:
    """Pick a name in the reader's language: the English one in English when there is one.

    `locale` defaults to the active language (Chinese outside a request)."""
    if locale is None:
        locale = current_locale() if has_app_context() else DEFAULT_LOCALE
    if locale.startswith("en") and name_en:
        return name_en
    return name or ""


def localized_column(name, name_en, locale: str | None = None):
    """A SQL expression for a name in the reader's language: the English column (when
    filled) in English, the Chinese one otherwise. Labelled "name"."""
    if locale is None:
        locale = current_locale() if has_app_context() else DEFAULT_LOCALE
    if locale.startswith("en"):
        return sa.func.coalesce(sa.func.nullif(name_en, ""), name).label("name")
    return name.label("name")


def unit_name(unit, locale: str | None = None) -> str:
    """A unit's (or any named thing's) display name in the reader's language; "" for None."""
    if unit is None:
        return ""
    return localized_name(unit.name, getattr(unit, "name_en", None), locale)


def minutes_text(minutes, signed: bool = False) -> str:
    """Integer minutes for people, with the unit: "12 h 30 min" ("12 小时 30 分钟"), "45 min",
    "3 h"; `signed` adds a "+" to a gain (a loss always has its "−")."""
    minutes = int(minutes or 0)
    h, m = divmod(abs(minutes), 60)
    if h and m:
        text = _("%(h)s h %(m)s min", h=h, m=m)
    elif h:
        text = _("%(h)s h", h=h)
    else:
        text = _("%(m)s min", m=m)
    if minutes < 0:
        return "−" + text
    return ("+" + text) if signed and minutes > 0 else text


def day_span(first: date, last: date) -> str:
    """Two days for people, in the active language: "12月1日–12月3日", "Dec 1–Dec 3"."""
    locale = get_locale() or Locale.parse(DEFAULT_LOCALE)
    first_text = format_skeleton("MMMd", first, locale=locale)
    if first == last:
        return first_text
    return f"{first_text}–{format_skeleton('MMMd', last, locale=locale)}"


@cache
def _weekdays(identifier: str) -> tuple[str, ...]:
    """The abbreviated weekday names (Monday first) of a Babel locale, as `EEE` writes them."""
    names = Locale.parse(identifier).days["format"]["abbreviated"]
    return tuple(names[i] for i in range(7))


def day_time_span(starts_at: datetime, ends_at: datetime) -> tuple[str, bool]:
    """("12-25 周五 08:00–12:00", ends on a later local day) in the active language: what the
    `dt` filter writes with 'MM-dd EEE HH:mm' and 'HH:mm', without Babel parsing the pattern
    for every card of the board."""
    start, end = local(starts_at), local(ends_at)
    weekday = _weekdays(str(get_locale() or DEFAULT_LOCALE))[start.weekday()]
    text = f"{start:%m-%d} {weekday} {start:%H:%M}–{end:%H:%M}"
    return text, end.date() > start.date()


def init_i18n(app) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
    )

    @app.template_filter("dt")
    def _dt(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
        return format_datetime(value, fmt) if value else ""

    app.jinja_env.filters["minutes_text"] = minutes_text
    app.jinja_env.filters["unit_name"] = unit_name
    app.jinja_env.filters["where_text"] = where_text
    app.jinja_env.globals["day_span"] = day_span
    app.jinja_env.globals["day_time_span"] = day_time_span
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_name"] = mask_name

    @app.context_processor
    def _i18n_context():
        return {"current_locale": current_locale(), "languages": app.config["LANGUAGES"]}
