"""Vendored browser libraries and style sheets are the published files: each matches the digest static/vendor/README.md gives."""

import hashlib
import re
from pathlib import Path

from django.conf import settings

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"


def test_each_vendored_file_matches_its_recorded_digest_and_has_its_licence():
    rows = re.findall(
        r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", (VENDOR / "README.md").read_text(), re.MULTILINE
    )
    assert rows, "no vendored files listed"
    for name, digest in rows:
        path = VENDOR / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name
        assert (path.parent / "LICENSE").is_file(), name
    listed = {VENDOR / name for name, _ in rows}
    shipped = {p for p in VENDOR.rglob("*") if p.suffix in {".js", ".css"}}
    assert shipped == listed, "every vendored script and style sheet is listed with its digest"
