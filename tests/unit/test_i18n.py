"""Every string a citizen can see has an Italian translation; the .po reader handles the gettext format."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kiosk import i18n

ROOT = Path(__file__).resolve().parents[2]
KV_CALL = re.compile(r'app\.t\(\s*"((?:[^"\\]|\\.)*)"')


def used_messages() -> dict[str, str]:
    """msgid → where it is used, from _()/N_() calls in Python and app.t() calls in kv files."""
    found: dict[str, str] = {}
    for path in list((ROOT / "kiosk").rglob("*.py")) + list((ROOT / "screens").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    for path in (ROOT / "screens").rglob("*.kv"):
        for m in KV_CALL.finditer(path.read_text()):
            found[ast.literal_eval(f'"{m.group(1)}"')] = str(path.relative_to(ROOT))
    return found


def test_every_visible_string_is_translated_to_italian():
    catalog = i18n.load_catalog("it")
    missing = {msg: where for msg, where in used_messages().items() if msg not in catalog}
    assert not missing, "untranslated:\n" + "\n".join(f"{w}: {m!r}" for m, w in missing.items())


def test_translations_keep_their_placeholders():
    catalog = i18n.load_catalog("it")
    for msgid, msgstr in catalog.items():
        assert set(re.findall(r"{\w*}", msgid)) == set(re.findall(r"{\w*}", msgstr)), msgid


def test_po_parser_reads_multiline_skips_fuzzy_and_rejects_garbage():
    text = ('msgid ""\nmsgstr "Language: it\\n"\n\n'
            'msgid "Hello"\nmsgstr "Ciao"\n\n'
            '#, fuzzy\nmsgid "Maybe"\nmsgstr "Forse"\n\n'
            'msgid ""\n"Long "\n"text"\nmsgstr ""\n"Testo "\n"lungo"\n')
    assert i18n.parse_po(text) == {"Hello": "Ciao", "Long text": "Testo lungo"}
    with pytest.raises(ValueError, match="line 1"):
        i18n.parse_po("what is this")


def test_switching_language_notifies_and_translates():
    heard = []
    stop = i18n.on_language_change(heard.append)
    try:
        i18n.set_language("it")
        i18n.set_language("en")
        assert i18n._("End") == "End"
        i18n.set_language("it")
        assert i18n._("End") == "Fine" and heard[-2:] == ["en", "it"]
        assert i18n.translate("End", "en") == "End"
    finally:
        stop()
        i18n.set_language("it")
