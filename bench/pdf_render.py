"""PDF rendering: one-page Japanese forms against a minimal Latin page, and a worker's memory (SPEC §5).

All documents go through apps.documents.rendering.render_pdf (the embedded IPAexGothic font, one
FontConfiguration and the parsed template stylesheets per process), in this process, on this machine,
in one run:

(a) warm render time: after a warm-up, the median of N renders of the counter's official form (the real
    template, a 住民票 request with a staff correction, as the clerk prints it), of the identity
    verification record (the real template, a verified resident with the 基本4情報 kept) and of a
    minimal Latin one-page document, interleaved so that machine noise hits all alike; prints each
    form's ratio to the minimal page (target ≤ 2), and reference documents that show where the
    difference comes from (the same form in Latin letters; the form's text alone in one block);
(b) memory: RSS (VmRSS from /proc/self/status) over 500 renders of the two forms with changing names
    and addresses, after a warm-up of 300, sampled every 50; prints whether it stays flat (target: no
    growth) and its trend per render.

No database is needed. Writes the figures to bench/results/pdf_render.json as well.

    .venv/bin/python bench/pdf_render.py [--renders 30] [--memory-renders 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = ROOT / "bench" / "results" / "pdf_render.json"
TARGET_RATIO = 2.0
WARMUP = 5
MEMORY_SAMPLE_EVERY = 50
# Renders before the first sample: a new worker's RSS rises by some 4 MiB over its first 200-300 renders
# (Pango's and HarfBuzz's caches fill, the allocator's arenas settle) and then stays; measured with the
# same document every time too, so it is not the changing names.
MEMORY_WARMUP = 300
# Growth that counts as "flat": allocator noise is about a MiB; a leak of even 5 kB per render shows as
# 2.4 MiB over 500 renders, and the trend (least squares over the samples) is printed beside it.
FLAT_TOLERANCE_BYTES = 2 * 1024 * 1024

LATIN_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Minimal</title></head>
<body><h1>Receipt</h1><p>Thank you. Your request has been received.</p></body></html>"""

JAPANESE_MINIMAL_HTML = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>受付</title></head>
<body><h1>受付のお知らせ</h1><p>申請を受け付けました。ありがとうございました。</p></body></html>"""

NAMES = [
    "高松　太郎",
    "瀬戸　花子",
    "屋島　一郎",
    "栗林　さくら",
    "庵治　健太",
    "塩江　美咲",
    "香西　翔",
    "牟礼　陽菜",
]
ADDRESSES = [
    "香川県高松市番町一丁目8番15号",
    "香川県高松市屋島西町2278番地",
    "香川県高松市栗林町一丁目20番16号",
    "香川県高松市庵治町5824番地1",
    "香川県高松市塩江町安原上東99番地",
    "香川県高松市香西本町1番地",
    "香川県高松市牟礼町牟礼1060番地",
    "香川県高松市瓦町一丁目1番地",
]


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "takamatsu.settings.dev"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")  # weasyprint logs every step at INFO
    import django

    django.setup()


def _form_html(i: int = 0) -> str:
    """The identity verification record, rendered from its template as the task renders it."""
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from apps.identity.models import IdentityVerification

    now = timezone.now()
    verification = IdentityVerification(
        method="jpki",
        verified_at=now - dt.timedelta(days=i % 300),
        certificate_expires_at=now + dt.timedelta(days=1500 + i % 365),
        is_takamatsu_resident=True,
        basic_info_kept=True,
        name=NAMES[i % len(NAMES)],
        address=ADDRESSES[(i // len(NAMES)) % len(ADDRESSES)],
        birth_date=dt.date(1950 + i % 60, 1 + i % 12, 1 + i % 28),
        gender="1" if i % 2 else "2",
    )
    with translation.override("ja"):
        return render_to_string(
            "pdf/identity_verification_record.html",
            {
                "verification": verification,
                "title": "本人確認情報の控え",
                "document": SimpleNamespace(pk=uuid.uuid4()),
                "issued_at": now,
            },
        )


def _official_form_html(i: int = 0) -> str:
    """The counter's official form, rendered from its template with the context the counter registers."""
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from apps.counter.forms import label_corrections
    from apps.counter.models import CounterCorrection, CounterRequest
    from apps.counter.registrations import _labels  # the labels official_form_context adds, without the DB

    data = {
        "relationship": "self",
        "requester_name": NAMES[i % len(NAMES)],
        "requester_address": ADDRESSES[i % len(ADDRESSES)],
        "requester_birth_date": f"{1950 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "requester_phone": "087-839-2011",
        "subject_name": NAMES[i % len(NAMES)],
        "subject_address": ADDRESSES[i % len(ADDRESSES)],
        "subject_birth_date": f"{1950 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "copies": {"juminhyo_all": 1, "kisai": 1 + i % 3},
        "include_head": True,
        "include_honseki": bool(i % 2),
        "purpose": "employment",
        "purpose_other": "",
        "recipient": "株式会社さぬき商事",
    }
    now = timezone.now()
    req = CounterRequest(form="juminhyo", data=data, fee_yen=600 + 300 * (1 + i % 3), created_at=now)
    correction = CounterCorrection(
        field="requester_address",
        old_value="高松市番町1-8-15",
        new_value=data["requester_address"],
        reason="表記の統一",
    )
    with translation.override("ja"):
        return render_to_string(
            "pdf/counter_official_form.html",
            {
                "req": req,
                "data": data,
                **_labels(req),
                "corrections": label_corrections(req.form, [correction]),
                "title": "窓口申請書（印刷用）",
                "document": SimpleNamespace(pk=uuid.uuid4()),
                "issued_at": now,
            },
        )


def _text_only(html: str) -> str:
    """The document's text alone in one preformatted block: what weasyprint costs for its glyphs and lines
    with no boxes, borders or columns (the floor for any layout of this text).

    Tab stops are given as a length, as the forms do: with the default tab-size (8, a number of spaces)
    weasyprint lays out eight spaces again for every line that holds a tab, which no form pays."""
    body = html.split("<body>", 1)[1]
    text = re.sub(r"<[^>]+>", "", body).strip()
    head = '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"></head>'
    return f'{head}<body><pre style="tab-size: 25mm">{text}</pre></body></html>'


def _latin_letters(html: str) -> str:
    """The same document with each pair of non-ASCII letters (kana, kanji) replaced by a Latin word."""
    return re.sub(r"[^\x00-\x7f]{1,2}", "ab ", html)


def _rss_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource  # not Linux: the peak is the best we have

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _timed(render, html: str) -> float:
    start = time.perf_counter()
    render(html)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=30, help="timed renders of each document")
    parser.add_argument("--memory-renders", type=int, default=500)
    args = parser.parse_args()

    _setup_django()
    from apps.documents import rendering
    from apps.documents.rendering import font_subsetter, render_pdf

    subsetter = font_subsetter()

    official = _official_form_html()
    form = _form_html()
    rss_start = _rss_bytes()
    cold = _timed(render_pdf, official)  # builds the font configuration: once per worker process
    official_pdf, form_pdf, latin_pdf = render_pdf(official), render_pdf(form), render_pdf(LATIN_HTML)

    # (a) warm render time. The reference documents (what Japanese text itself costs: the minimal page
    # in Japanese, the official form with Latin letters for its Japanese ones, and its text alone with
    # no layout) run in the same loop, so that other load on the machine slows all of them alike.
    documents = {
        "official_form": official,
        "form": form,
        "latin": LATIN_HTML,
        "japanese_minimal": JAPANESE_MINIMAL_HTML,
        "latin_letters_form": _latin_letters(official),
        "official_text_only": _text_only(official),
    }
    for _ in range(WARMUP):
        for html in documents.values():
            render_pdf(html)
    times: dict[str, list[float]] = {name: [] for name in documents}
    for _ in range(args.renders):
        for name, html in documents.items():
            times[name].append(_timed(render_pdf, html))
    ms = {name: statistics.median(t) * 1000 for name, t in times.items()}
    official_ms, form_ms, latin_ms = ms["official_form"], ms["form"], ms["latin"]
    official_ratio, ratio = official_ms / latin_ms, form_ms / latin_ms
    # The same ratios round by round (each round renders every document back to back), so that what the
    # machine's noise does to the ratio itself shows: their quartiles are printed beside the medians.
    round_ratios = {
        name: [t / latin for t, latin in zip(times[name], times["latin"], strict=True)]
        for name in ("official_form", "form")
    }
    ratio_quartiles = {name: statistics.quantiles(r, n=4) for name, r in round_ratios.items()}

    # (b) memory: after a warm-up, the asked number of renders of both forms, each with other names and
    # addresses (other glyphs), sampled every MEMORY_SAMPLE_EVERY renders.
    def memory_render(i: int) -> None:
        render_pdf(_official_form_html(i) if i % 2 else _form_html(i))

    for i in range(1, MEMORY_WARMUP + 1):
        memory_render(i)
    rss_warm = _rss_bytes()
    samples: list[tuple[int, int]] = [(0, rss_warm)]
    memory_start = time.perf_counter()
    for i in range(1, args.memory_renders + 1):
        memory_render(MEMORY_WARMUP + i)
        if i % MEMORY_SAMPLE_EVERY == 0:
            samples.append((i, _rss_bytes()))
    memory_seconds = time.perf_counter() - memory_start
    growth = samples[-1][1] - rss_warm
    spread = max(rss for _n, rss in samples) - min(rss for _n, rss in samples)
    trend = statistics.linear_regression([n for n, _ in samples], [rss for _, rss in samples]).slope
    flat = growth <= FLAT_TOLERANCE_BYTES and spread <= 2 * FLAT_TOLERANCE_BYTES

    # (c) what every render would cost without the per-process font configuration (weasyprint's
    # default); last, because it leaves font configurations behind for the garbage collector.
    unshared_times = []
    for _ in range(5):
        rendering._engine = None  # drop the shared FontConfiguration and stylesheets
        unshared_times.append(_timed(render_pdf, official))
    unshared_ms = statistics.median(unshared_times) * 1000

    mib = 1024 * 1024
    print(f"PDF rendering on {platform.node()} ({platform.machine()}, Python {platform.python_version()})")
    print(f"  first render in a fresh process (font set-up): {cold * 1000:7.1f} ms")
    print(f"  one-page Japanese form (counter official):    {official_ms:7.1f} ms  median of {args.renders}"
          f"  ({len(official_pdf) // 1024} KiB)")  # fmt: skip
    print(f"  one-page Japanese form (identity record):     {form_ms:7.1f} ms  median of {args.renders}"
          f"  ({len(form_pdf) // 1024} KiB)")  # fmt: skip
    print(f"  minimal Latin one-page document:              {latin_ms:7.1f} ms  median of {args.renders}"
          f"  ({len(latin_pdf) // 1024} KiB)")  # fmt: skip
    print(f"  font subsetter: {subsetter}" + ("" if subsetter == "harfbuzz" else
          "  (libharfbuzz-subset0 missing: every render is some ten times slower and the ratios below"
          " do not describe a production worker)"))  # fmt: skip
    for key, name, value in (
        ("official_form", "counter official form", official_ratio),
        ("form", "identity record", ratio),
    ):
        verdict = "MET" if value <= TARGET_RATIO else "NOT MET"
        if subsetter != "harfbuzz":
            verdict = "NOT CONCLUSIVE"
        q1, _, q3 = ratio_quartiles[key]
        print(f"  ratio {name} / minimal: {value:.2f}  (target ≤ {TARGET_RATIO:g}: {verdict});"
              f" round by round {q1:.2f}–{q3:.2f} (quartiles)")  # fmt: skip
    print("  for reference (what the Japanese text, the layout and the shared font configuration cost):")
    print(f"    minimal Japanese page:                      {ms['japanese_minimal']:7.1f} ms  ="
          f" {ms['japanese_minimal'] / latin_ms:.2f} x the minimal Latin page")  # fmt: skip
    print(f"    official form with Latin letters:           {ms['latin_letters_form']:7.1f} ms  ="
          f" {official_ms / ms['latin_letters_form']:.2f} : 1 Japanese form to Latin form")  # fmt: skip
    print(f"    official form's text alone in one <pre>:    {ms['official_text_only']:7.1f} ms  ="
          f" {ms['official_text_only'] / latin_ms:.2f} x the minimal Latin page: the floor")  # fmt: skip
    print(f"    official form, new font config each time:   {unshared_ms:7.1f} ms  (weasyprint's default)")
    per_render_ms = memory_seconds / args.memory_renders * 1000
    print(f"Worker memory (RSS) over {args.memory_renders} renders after a warm-up of {MEMORY_WARMUP}"
          f" ({memory_seconds:.1f} s, {per_render_ms:.1f} ms per render):")  # fmt: skip
    print(f"  before the first render: {rss_start / mib:6.1f} MiB")
    for n, rss in samples:
        print(f"  after {n:4d} renders:      {rss / mib:6.1f} MiB")
    print(f"  growth over the {args.memory_renders} renders: {growth / mib:+.2f} MiB,"
          f" spread {spread / mib:.2f} MiB, trend {trend / 1024:+.2f} KiB per render"
          f"  (target: no growth, tolerance {FLAT_TOLERANCE_BYTES / mib:g} MiB:"
          f" {'FLAT' if flat else 'GROWING'})")  # fmt: skip

    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(
        json.dumps(
            {
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "machine": platform.node(),
                "cold_ms": cold * 1000,
                "median_ms": ms,
                "times_ms": {name: [x * 1000 for x in t] for name, t in times.items()},
                "ratio": ratio,
                "official_form_ratio": official_ratio,
                "round_ratio_quartiles": ratio_quartiles,
                "font_subsetter": subsetter,
                "ratio_target": TARGET_RATIO,
                "ratio_met": subsetter == "harfbuzz" and max(ratio, official_ratio) <= TARGET_RATIO,
                "form_unshared_font_config_ms": unshared_ms,
                "rss_warmup_renders": MEMORY_WARMUP,
                "rss_samples": [{"renders": n, "rss_bytes": rss} for n, rss in samples],
                "rss_trend_bytes_per_render": trend,
                "rss_growth_after_warmup_bytes": growth,
                "rss_flat": flat,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
