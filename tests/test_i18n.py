"""Translations: Chinese (zh_CN) by default, English (the msgids themselves) on the switch.

After adding or changing a user-facing string (wrap it: `_()` at request time, `_l()` at
import time, `{{ _('...') }}` in templates), run:

    make translations-update   # extract to translations/messages.pot, merge into the .po
    # then translate every empty msgstr in timebank/translations/zh_Hans_CN/LC_MESSAGES/messages.po
    make translations          # compile the .mo (committed, so `pip install .` ships it)

These tests fail until all three steps are done. (The folder is zh_Hans_CN, not zh_CN,
because Babel expands the "zh_CN" locale to zh_Hans_CN and Flask-Babel looks for that.)
"""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "timebank"
TRANSLATIONS = PACKAGE / "translations"
PO = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

WORKFLOW = (
    "run `make translations-update`, translate the new entries in "
    f"{PO.relative_to(ROOT)}, then run `make translations`"
)

#: Blueprints with no strings of their own. The JSON API's error messages come from
#: core/errors.py, the services and blueprints/errors (all translated there).
NO_OWN_STRINGS = {"api"}

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")
GETTEXT_CALL = re.compile(r"""(?<![\w.])_l?\(\s*['"]""")


def _ignore_dirs(path: str) -> bool:
    """The directory filter of `make translations-update` (--ignore-dirs='.* __pycache__').

    pybabel's default filter also skips "_*" folders, which would miss templates/_macros.
    """
    name = Path(path).name
    return not (name.startswith(".") or name == "__pycache__")


@pytest.fixture(scope="module")
def extracted() -> list[tuple[str, str | tuple, str | None]]:
    """(file, msgid, context) for every message a fresh extraction over babel.cfg finds."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "_l": None}  # `-k _l` in the Makefile
    found = []
    for filename, _lineno, msgid, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords, directory_filter=_ignore_dirs
    ):
        found.append((filename.replace("\\", "/"), msgid, context))
    return found


@pytest.fixture(scope="module")
def po():
    with open(PO, "rb") as f:
        return read_po(f, locale="zh_CN")


def _key(msgid) -> str:
    return msgid[0] if isinstance(msgid, (list, tuple)) else msgid


def _strings(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _entries(catalog) -> dict:
    """{(msgid, context): msgstr} without the header, plurals as tuples."""
    out = {}
    for message in catalog:
        if not message.id:
            continue
        msgid = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
        string = (
            tuple(message.string) if isinstance(message.string, (list, tuple)) else message.string
        )
        out[(msgid, message.context)] = string
    return out


# (a) extraction reaches every blueprint and every template --------------------------------


def _blueprints() -> list[str]:
    return sorted(
        p.name for p in (PACKAGE / "blueprints").iterdir() if (p / "__init__.py").exists()
    )


@pytest.mark.parametrize("name", [b for b in _blueprints() if b not in NO_OWN_STRINGS])
def test_extraction_finds_messages_in_blueprint(extracted, name):
    prefix = f"timebank/blueprints/{name}/"
    assert any(f.startswith(prefix) for f, _id, _ctx in extracted), (
        f"no translatable strings extracted from {prefix}: wrap its user-facing text in "
        "_() / _l() / {{ _('...') }} and check babel.cfg"
    )


def test_extraction_finds_messages_in_app_templates(extracted):
    files = {f for f, _id, _ctx in extracted}
    assert any(f.startswith("timebank/templates/") for f in files)
    assert "timebank/templates/base.html" in files
    assert "timebank/templates/_macros/forms.html" in files  # an "_" folder is not skipped


def test_every_file_with_gettext_calls_is_extracted(extracted):
    """Catches a babel.cfg pattern or directory filter that silently misses files."""
    files = {f for f, _id, _ctx in extracted}
    candidates = [
        p
        for p in PACKAGE.rglob("*")
        if p.suffix in {".py", ".html", ".txt"}
        and "__pycache__" not in p.parts
        and p.is_file()
        and GETTEXT_CALL.search(p.read_text(encoding="utf-8"))
    ]
    assert candidates
    missed = sorted(
        str(p.relative_to(ROOT))
        for p in candidates
        if str(p.relative_to(ROOT)).replace("\\", "/") not in files
    )
    assert not missed, f"files with _() calls that extraction does not read: {missed}"


# (b) the Chinese catalogue is complete -----------------------------------------------------


def test_po_has_no_fuzzy_or_untranslated_entries(po):
    assert not po.fuzzy, f"{PO.name} is marked fuzzy in its header"
    fuzzy = [_key(m.id) for m in po if m.id and m.fuzzy]
    empty = [_key(m.id) for m in po if m.id and not all(s.strip() for s in _strings(m.string))]
    assert not fuzzy, f"fuzzy entries in {PO.name}: {fuzzy}; {WORKFLOW}"
    assert not empty, f"untranslated entries in {PO.name}: {empty}; {WORKFLOW}"


def test_every_extracted_message_is_in_the_po(extracted, po):
    missing = sorted(
        {_key(msgid) for _f, msgid, ctx in extracted if po.get(_key(msgid), context=ctx) is None}
    )
    assert not missing, f"{len(missing)} message(s) not in {PO.name}: {missing}; {WORKFLOW}"


def test_po_passes_babel_checks(po):
    problems = [(_key(m.id), [str(e) for e in errors]) for m, errors in po.check()]
    assert not problems, problems


# (c) the compiled catalogue matches the .po -----------------------------------------------


def test_mo_is_up_to_date_with_po(po):
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing: run `make translations`"
    with open(MO, "rb") as f:
        mo = read_mo(f)
    po_entries, mo_entries = _entries(po), _entries(mo)
    stale = sorted(
        _key(k[0])
        for k in po_entries.keys() | mo_entries.keys()
        if po_entries.get(k) != mo_entries.get(k)
    )
    assert not stale, f"{MO.name} differs from {PO.name} for {stale}: run `make translations`"


# (d) placeholders survive translation ------------------------------------------------------


def _bare_percents(text: str) -> int:
    return PLACEHOLDER.sub("", text).replace("%%", "").count("%")


def test_placeholders_match(po):
    wrong = []
    for message in po:
        if not message.id:
            continue
        expected = set(PLACEHOLDER.findall(" ".join(_strings(message.id))))
        for string in _strings(message.string):
            if set(PLACEHOLDER.findall(string)) != expected:
                wrong.append((_key(message.id), string))
            # Templates always %-format a translation, so a lone % would break the page.
            if _bare_percents(string) != _bare_percents(_key(message.id)):
                wrong.append((_key(message.id), string))
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


# (e) the app speaks Chinese by default and English on the switch --------------------------


def test_login_page_is_chinese_by_default_and_english_after_the_switch(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "登录" in html
    assert "Sign in" not in html

    response = client.post("/lang/en", data={"next": "/login"})
    assert response.status_code == 302

    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "登录" not in html


def test_api_error_message_follows_accept_language(client, po):
    english = "Please sign in."
    chinese = po.get(english).string
    assert chinese and chinese != english

    response = client.get("/api/v1/members/me")
    assert response.status_code == 401
    assert response.json["error"]["message"] == chinese

    response = client.get("/api/v1/members/me", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json["error"]["message"] == english
