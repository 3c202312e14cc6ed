"""Language and time zone selection, and the template filters that format for people."""

from datetime import datetime

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user

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
    for key in current_app.config["LANGUAGES"]:
        if Locale.parse(key) == locale:
            return key
    return DEFAULT_LOCALE


def init_i18n(app) -> None:
    from ..extensions import babel

    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
    )

    @app.template_filter("dt")
    def _dt(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
        return format_datetime(value, fmt) if value else ""

    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_name"] = mask_name

    @app.context_processor
    def _i18n_context():
        return {"current_locale": current_locale(), "languages": app.config["LANGUAGES"]}
