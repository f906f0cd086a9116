"""The English catalogue: every message has a checked translation with the same placeholders."""

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _catalog():
    with (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po)


def test_every_english_message_is_translated_and_none_is_a_fuzzy_guess():
    # makemessages marks a new message fuzzy with a neighbour's English; compiling skips those, so a
    # fuzzy entry would show Japanese on /en/ pages.
    catalog = _catalog()
    assert not catalog.fuzzy
    problems = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    ]
    assert problems == []


def test_placeholders_match_between_japanese_and_english():
    mismatched = []
    for m in _catalog():
        if not m.id or not isinstance(m.id, str):
            continue
        source = {a or b for a, b in PLACEHOLDER.findall(m.id)}
        target = {a or b for a, b in PLACEHOLDER.findall(m.string)}
        if source != target:
            mismatched.append((m.id, m.string))
    assert mismatched == []
