"""HTML to PDF: the only module of the project that imports weasyprint (an import-linter contract).

Japanese text is set in the font shipped with the project (settings.TAKAMATSU_PDF_FONT, IPAexGothic), so
a fresh machine with no Japanese system fonts still renders it, and only the glyphs used are embedded.

Speed (bench/pdf_render.py): a worker sets up once and then only lays out and draws.
- One FontConfiguration and one compiled base stylesheet per process. Building them copies the 6 MB
  font into fontconfig and scans it, which is most of the cost of a first render.
- The <style> block of each template is parsed and its selectors compiled once per process too: it is
  taken out of the HTML and the cached CSS object passed instead (a bounded cache keyed by its text).
- The embedded font stream is deflated at zlib's level 1 instead of pydyf's level 9: the font subset
  of a Japanese page is some 60 kB (its glyph tables run up to the highest glyph used), and level 9
  takes seven times as long for a file 6 % smaller (FONT_DEFLATE_LEVEL).
The caches weasyprint keeps on the FontConfiguration are keyed by style, so they stop growing once the
templates in use have been seen (memory stays flat; see bench/pdf_render.py).

Layout is what stays: weasyprint spends about a sixth of a millisecond on every block and as much on
every line, about 2 µs on every glyph, twice as much on table cells and 0.6 ms on a gradient background,
so the PDF templates are a few blocks of preformatted lines with tab-stop columns (see
templates/pdf/counter_official_form.html).
"""

from __future__ import annotations

import re
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import pydyf
from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text import ffi as weasyprint_ffi
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FONT_FAMILY = "IPAexGothic"

# Headings and table headers stay at the font's one weight: IPAexGothic has no bold face, and a
# synthesised bold is embedded as a second font subset (slower, bigger file).
# No OpenType features (font-variant-*, font-feature-settings, font-kerning other than auto): weasyprint 70
# leaks a Pango attribute list for every line laid out with features (text/line_break.py, Layout.setup), and
# its own UA stylesheet gives list markers tabular-nums; a worker rendering lists grew by about 1.5 kB per
# render (bench/pdf_render.py, memory).
BASE_CSS = """
@font-face {{ font-family: "{family}"; src: url("{font_url}"); }}
@page {{ size: A4; margin: 20mm 18mm; }}
html, body, input, button, select, textarea, pre, code, kbd, samp {{
  font-family: "{family}";
}}
html {{ font-size: 10.5pt; line-height: 1.6; }}
h1, h2, h3, h4, h5, h6, th, b, strong {{ font-weight: normal; }}
::marker {{ font-variant-numeric: normal; }}
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


# A template's own stylesheet: a <style> element without attributes (one with media= and the like stays
# in the document and is parsed each time).
_STYLE_ELEMENT = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_STYLESHEET_CACHE_SIZE = 32  # a few templates; bounded in case one ever puts data into its <style>


@dataclass
class _Engine:
    font_path: str
    font_config: FontConfiguration
    stylesheet: CSS
    fetcher: _LocalOnlyFetcher
    template_stylesheets: OrderedDict[str, CSS] = field(default_factory=OrderedDict)

    def template_stylesheet(self, text: str) -> CSS:
        sheet = self.template_stylesheets.get(text)
        if sheet is None:
            sheet = CSS(string=text, font_config=self.font_config, url_fetcher=self.fetcher)
            self.template_stylesheets[text] = sheet
            if len(self.template_stylesheets) > _STYLESHEET_CACHE_SIZE:
                self.template_stylesheets.popitem(last=False)
        else:
            self.template_stylesheets.move_to_end(text)
        return sheet


def font_subsetter() -> str:
    """Which library cuts the embedded font down to the glyphs used: "harfbuzz" or "fonttools".

    weasyprint 70 uses HarfBuzz's subsetter (libharfbuzz-subset0) when it can load it and otherwise falls
    back to fontTools, which re-reads the 6 MB font in Python for every PDF: measured on this project's
    forms, every render then takes some ten times as long (150 ms for the minimal page instead of 12 ms)
    and a worker's memory no longer stays flat (bench/pdf_render.py). Debian ships the library apart
    from HarfBuzz itself, so a machine with Pango can still lack it.
    """
    hb = weasyprint_ffi.harfbuzz
    if weasyprint_ffi.harfbuzz_subset is not None and hb.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


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


# zlib level for the embedded font subset (measured on the counter form's 68 kB subset: level 1 takes
# 0.48 ms for 25.6 kB, the default 6 takes 0.86 ms for 24.3 kB, pydyf's 9 takes 3.2 ms for 24.0 kB).
FONT_DEFLATE_LEVEL = 1


def _deflate_streams(document, pdf: pydyf.PDF) -> None:
    """Compress the streams that are plain bytes (the embedded font) at FONT_DEFLATE_LEVEL."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress and all(isinstance(b, bytes) for b in obj.stream):
            obj.stream = [zlib.compress(b"\n".join(obj.stream), FONT_DEFLATE_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML document (inline <style> allowed; the base stylesheet sets A4 and the font)."""
    with _lock:
        engine = _get_engine()
        sheets = [engine.stylesheet]
        # The template's stylesheets come after the base one, so that a template can set its own @page
        # margins (inside the document they came first and lost to the base sheet).
        sheets += [engine.template_stylesheet(text) for text in _STYLE_ELEMENT.findall(html)]
        document = HTML(string=_STYLE_ELEMENT.sub("", html), url_fetcher=engine.fetcher, base_url=None)
        # Tagged PDF: headings, tables and reading order reach screen readers (JIS X 8341-3 covers
        # documents offered for download too); it costs about a twentieth of the render time.
        return document.write_pdf(
            stylesheets=sheets, font_config=engine.font_config, pdf_tags=True, finisher=_deflate_streams
        )
