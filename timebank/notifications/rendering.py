"""Render notices: the catalogue of every kind, its words in one language, and its link.

A notification stores what happened — its kind, its subject and the values of the notice's
placeholders (`params`) — and is rendered when it is read, in the reader's language. Values
that have a language of their own are stored as tagged references and resolved then:
`{"unit": 12}` is unit 12's name in the reader's language (`Unit.display_name`),
`{"callout_kind": "vanguard"}` the kind's label, `{"span": [start, end]}` a time span
(ISO 8601, shown in Beijing time). Everything else is shown as stored.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from ..auth import notices as auth_notices
from ..core.clock import local
from ..core.i18n import current_locale
from ..core.notices import Notice
from ..dispatch import notices as dispatch_notices
from ..dispatch.models import EventCategory
from ..extensions import db
from ..ledger import notices as ledger_notices
from ..members import notices as member_notices
from ..mobilisation import notices as mobilisation_notices
from ..mobilisation.models import CalloutKind
from ..party import notices as party_notices
from ..shifts import notices as shift_notices
from ..units.models import Unit
from .models import Notification

log = logging.getLogger(__name__)

#: The length of the title column; longer titles are clipped with "…".
TITLE_MAX = 200


def _collect(*modules) -> dict[str, Notice]:
    """Every `Notice` defined in the domains' notices modules, by kind (each kind once)."""
    found: dict[str, Notice] = {}
    for module in modules:
        for value in vars(module).values():
            if not isinstance(value, Notice):
                continue
            if found.get(value.kind, value) is not value:
                raise ValueError(f"two notices of kind {value.kind!r}")
            found[value.kind] = value
    return found


#: Every kind of notice the app sends: a domain's new notice is found here by itself once
#: it is defined in that domain's notices.py (listed here).
NOTICES = _collect(
    auth_notices,
    dispatch_notices,
    member_notices,
    shift_notices,
    ledger_notices,
    mobilisation_notices,
    party_notices,
)


def find_notice(kind: str) -> Notice | None:
    return NOTICES.get(kind)


# Stored facts with a language of their own ------------------------------------------------


def unit_ref(unit: Unit) -> dict:
    """A unit's name, shown in the reader's language."""
    return {"unit": unit.id}


def callout_kind_ref(kind: str) -> dict:
    """A call-out kind's label, shown in the reader's language."""
    return {"callout_kind": str(kind)}


def span_ref(starts_at: datetime, ends_at: datetime) -> dict:
    """A time span such as "2026-03-02 08:00–12:00" (the end's date too when it is later: a
    night shift), shown in Beijing time."""
    return {"span": [starts_at.isoformat(), ends_at.isoformat()]}


def time_ref(moment: datetime | None) -> dict:
    """A moment such as "2026-03-02 08:00", shown in Beijing time ("—" for none)."""
    return {"time": moment.isoformat() if moment else None}


def event_category_ref(category_id: int) -> dict:
    """An event category's name, shown in the reader's language."""
    return {"event_category": category_id}


def step_ref(step: str) -> dict:
    """A dispatch deadline's step ("accept" or "handle"), as a verb in the reader's language."""
    return {"event_step": step}


def _unit_name(unit_id, locale: str) -> str:
    unit = db.session.get(Unit, unit_id)
    return unit.display_name(locale) if unit is not None else "?"


def _callout_kind(code, locale: str) -> str:
    return str(CalloutKind(code).label)


def _span(value, locale: str) -> str:
    start, end = (local(datetime.fromisoformat(v)) for v in value)
    end_format = "%H:%M" if end.date() == start.date() else "%m-%d %H:%M"
    return f"{start:%Y-%m-%d %H:%M}–{end.strftime(end_format)}"


def _time(value, locale: str) -> str:
    return f"{local(datetime.fromisoformat(value)):%Y-%m-%d %H:%M}" if value else "—"


def _event_category(category_id, locale: str) -> str:
    category = db.session.get(EventCategory, category_id)
    if category is None:
        return "?"
    return category.name_en if locale.startswith("en") and category.name_en else category.name


EVENT_STEPS = {"accept": _l("accepted"), "handle": _l("handled")}


def _event_step(step, locale: str) -> str:
    return str(EVENT_STEPS[step])


RESOLVERS = {
    "unit": _unit_name,
    "callout_kind": _callout_kind,
    "span": _span,
    "time": _time,
    "event_category": _event_category,
    "event_step": _event_step,
}


#: The models behind the references whose names are read from the database.
PRELOADED = {"unit": Unit, "event_category": EventCategory}


def preload(params_list) -> list:
    """Read the units and categories that `params_list` refer to in one query per kind,
    so rendering many notices (a batch of late events) reads none of them one by one: the
    resolvers then find them in the session. Returns them: keep the list while rendering
    (the session holds its objects weakly)."""
    wanted: dict[str, set] = {tag: set() for tag in PRELOADED}
    for params in params_list:
        for value in (params or {}).values():
            if isinstance(value, dict) and len(value) == 1:
                [(tag, raw)] = value.items()
                if tag in wanted and isinstance(raw, int):
                    wanted[tag].add(raw)
    loaded = []
    for tag, ids in wanted.items():
        if ids:
            model = PRELOADED[tag]
            loaded += db.session.scalars(sa.select(model).where(model.id.in_(ids))).all()
    return loaded


def _resolve(value, locale: str):
    if isinstance(value, dict) and len(value) == 1:
        [(tag, raw)] = value.items()
        if tag in RESOLVERS:
            return RESOLVERS[tag](raw, locale)
    return value


def texts(notice: Notice, params: dict | None, locale: str) -> tuple[str, str]:
    """The notice's title and body with its params filled in, in the active language.

    `locale` (a key of LANGUAGES) is the active one: the caller is inside the request of the
    reader or inside `force_locale(locale)`. A missing param raises KeyError. The title is
    clipped to TITLE_MAX; both are stripped of surrounding space.
    """
    values = {key: _resolve(value, locale) for key, value in (params or {}).items()}
    title = (str(notice.title) % values).strip()
    return clip(title, TITLE_MAX), (str(notice.body) % values).strip()


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Links ------------------------------------------------------------------------------------


def link_values(notice: Notice, subject_id: int | None) -> dict:
    return {notice.subject_arg: subject_id} if notice.subject_arg else {}


def external_url(notice: Notice, subject_id: int | None) -> str | None:
    """The notice's page as an absolute URL under PUBLIC_URL (for e-mail and SMS, sent
    without a request), or None when PUBLIC_URL is not set or the notice opens nothing."""
    base = current_app.config.get("PUBLIC_URL", "")
    if not base or not notice.endpoint:
        return None
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(notice.endpoint, link_values(notice, subject_id), force_external=True)


# Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A notification as its reader sees it: texts in the reader's language, and its link."""

    id: int
    kind: str
    title: str
    body: str
    link: str | None
    is_urgent: bool
    read_at: datetime | None
    created_at: datetime


def show(notification: Notification) -> Shown:
    """Render a notification in the current request's language, with its link (url_for).

    Rows made before notices were rendered at read time (no params), or of a kind no
    longer defined, show the title, body and link stored when they were made.
    """
    title, body, link = notification.title, notification.body, notification.link
    notice = find_notice(notification.kind)
    if notice is not None and notification.params is not None:
        try:
            title, body = texts(notice, notification.params, current_locale())
        except (KeyError, ValueError, TypeError):
            log.warning("notification %s: cannot render %s", notification.id, notice.kind)
        link = (
            url_for(notice.endpoint, **link_values(notice, notification.subject_id))
            if notice.endpoint
            else None
        )
    return Shown(
        id=notification.id,
        kind=notification.kind,
        title=title,
        body=body,
        link=link,
        is_urgent=notification.is_urgent,
        read_at=notification.read_at,
        created_at=notification.created_at,
    )


def show_all(notifications) -> list[Shown]:
    return [show(n) for n in notifications]
