"""System checks of the documents app: what a production worker needs to render PDFs at full speed."""

from __future__ import annotations

from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=True)
def check_font_subsetter(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn when weasyprint would subset the embedded font with fontTools instead of HarfBuzz.

    Only with --deploy: importing weasyprint loads Pango, which every other management command can do
    without.
    """
    from .rendering import font_subsetter

    if font_subsetter() == "harfbuzz":
        return []
    return [
        checks.Warning(
            "PDF fonts are subset with fontTools: libharfbuzz-subset0 is missing.",
            hint="Install libharfbuzz-subset0 (Debian, Ubuntu) or HarfBuzz ≥ 4.1 with its subset library: "
            "without it every PDF takes about ten times as long and a worker's memory does not stay flat.",
            id="documents.W001",
        )
    ]
