"""Translations with live language switching.

Source strings are English, wrapped in ``_()`` where shown and in ``N_()`` where defined ahead of time
(catalog data, instructions tables). Catalogs are gettext .po files in config/locale/<lang>/LC_MESSAGES/kiosk.po,
read directly (no compile step on the totem). ``set_language`` notifies listeners, so a Kivy screen re-translates
itself the moment a citizen touches another flag (the Electrum ``_`` pattern).
"""
from __future__ import annotations

import ast
import logging
import threading
from importlib import resources
from typing import Callable

log = logging.getLogger("kiosk.i18n")

SOURCE_LANGUAGE = "en"
_catalogs: dict[str, dict[str, str]] = {}
_language = SOURCE_LANGUAGE
_listeners: list[Callable[[str], None]] = []
_lock = threading.Lock()


def N_(message: str) -> str:
    """Mark a string for translation without translating it now."""
    return message


def parse_po(text: str) -> dict[str, str]:
    """msgid → msgstr for a .po file; untranslated (empty msgstr) and fuzzy entries are left out."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal msgid, msgstr, fuzzy
        if msgid is not None and msgstr is not None:
            key, value = "".join(msgid), "".join(msgstr)
            if key and value and not fuzzy:
                entries[key] = value
        msgid = msgstr = None
        fuzzy = False

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            fuzzy = True
        elif not line or line.startswith("#"):
            if msgstr is not None:
                flush()
        elif line.startswith("msgid "):
            if msgstr is not None:
                flush()
            msgid = [_unquote(line[6:], lineno)]
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [_unquote(line[7:], lineno)]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(_unquote(line, lineno))
        else:
            raise ValueError(f"line {lineno}: cannot read {line[:40]!r}")
    flush()
    return entries


def _unquote(token: str, lineno: int) -> str:
    token = token.strip()
    if not (token.startswith('"') and token.endswith('"')):
        raise ValueError(f"line {lineno}: expected a quoted string, found {token[:40]!r}")
    return ast.literal_eval(token)


def load_catalog(lang: str) -> dict[str, str]:
    if lang == SOURCE_LANGUAGE:
        return {}
    with _lock:
        if lang in _catalogs:
            return _catalogs[lang]
    try:
        text = resources.files("config").joinpath(f"locale/{lang}/LC_MESSAGES/kiosk.po").read_text("utf-8")
        catalog = parse_po(text)
    except FileNotFoundError:
        log.error("no translations for language %r; showing English", lang)
        catalog = {}
    with _lock:
        _catalogs[lang] = catalog
    return catalog


def gettext(message: str) -> str:
    catalog = load_catalog(_language)
    return catalog.get(message, message)


_ = gettext


def translate(message: str, lang: str) -> str:
    """Translate into a given language without changing the current one (receipts, spoken prompts)."""
    return load_catalog(lang).get(message, message)


def current_language() -> str:
    return _language


def set_language(lang: str) -> None:
    global _language
    load_catalog(lang)
    if lang == _language:
        return
    _language = lang
    for cb in list(_listeners):
        try:
            cb(lang)
        except Exception:
            log.exception("language listener failed")


def on_language_change(callback: Callable[[str], None]) -> Callable[[], None]:
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None
