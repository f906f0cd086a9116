"""HTML to PDF: the only module of the project that imports weasyprint (an import-linter contract).

Japanese text is set in the font shipped with the project (settings.TAKAMATSU_PDF_FONT, IPAexGothic), so
a fresh machine with no Japanese system fonts still renders it, and only the glyphs used are embedded.

Speed: one FontConfiguration and one compiled stylesheet per process. Building them copies the 6 MB
font into fontconfig and scans it, which is most of the cost of a first render; every later render
reuses them. The caches weasyprint keeps on the FontConfiguration are keyed by style, so they stop
growing once the templates in use have been seen (memory stays flat; see bench/pdf_render.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FONT_FAMILY = "IPAexGothic"

# Headings and table headers stay at the font's one weight: IPAexGothic has no bold face, and a
# synthesised bold is embedded as a second font subset (slower, bigger file).
BASE_CSS = """
@font-face {{ font-family: "{family}"; src: url("{font_url}"); }}
@page {{ size: A4; margin: 20mm 18mm; }}
html, body, input, button, select, textarea, pre, code, kbd, samp {{
  font-family: "{family}";
}}
html {{ font-size: 10.5pt; line-height: 1.6; }}
h1, h2, h3, h4, h5, h6, th, b, strong {{ font-weight: normal; }}
"""


class _LocalOnlyFetcher(URLFetcher):
    """Fetch the embedded font and data: URLs only: a template never reaches the network or the disk."""

    def __init__(self, allowed: set[str]) -> None:
        super().__init__(allowed_protocols={"file", "data"}, timeout=2)
        self._allowed = allowed

    def fetch(self, url, headers=None):
        if url.startswith("data:") or url in self._allowed:
            return super().fetch(url, headers)
        raise ValueError("PDF templates may only use the embedded font and data: URLs")


@dataclass
class _Engine:
    font_path: str
    font_config: FontConfiguration
    stylesheet: CSS
    fetcher: _LocalOnlyFetcher


_engine: _Engine | None = None
# Pango and fontconfig objects are not thread-safe; Celery workers render one document per process, but
# a threaded web server running tasks eagerly (dev) could render two at once.
_lock = threading.Lock()


def _get_engine() -> _Engine:
    global _engine
    font_path = str(Path(settings.TAKAMATSU_PDF_FONT).resolve())
    if _engine is None or _engine.font_path != font_path:
        if not Path(font_path).is_file():
            raise FileNotFoundError(f"TAKAMATSU_PDF_FONT not found: {font_path}")
        font_url = Path(font_path).as_uri()
        fetcher = _LocalOnlyFetcher({font_url})
        font_config = FontConfiguration()
        stylesheet = CSS(
            string=BASE_CSS.format(family=FONT_FAMILY, font_url=font_url),
            font_config=font_config,
            url_fetcher=fetcher,
        )
        _engine = _Engine(
            font_path=font_path, font_config=font_config, stylesheet=stylesheet, fetcher=fetcher
        )
    return _engine


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML document (inline <style> allowed; the base stylesheet sets A4 and the font)."""
    with _lock:
        engine = _get_engine()
        document = HTML(string=html, url_fetcher=engine.fetcher, base_url=None)
        # Tagged PDF: headings, tables and reading order reach screen readers (JIS X 8341-3 covers
        # documents offered for download too); it costs about a tenth of the render time.
        return document.write_pdf(
            stylesheets=[engine.stylesheet], font_config=engine.font_config, pdf_tags=True
        )
