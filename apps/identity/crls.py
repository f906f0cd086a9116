"""Revocation lists named by TAKAMATSU_JPKI_CRLS (SPEC §4: "paths or URLs").

A path is read from disk at each change (jpki.trust_material). A URL (http or https) is fetched here and the
last good list kept in the database (RevocationList), so that every web process and worker checks cards
against the same list:

- beat runs `crls_refresh_due` every few minutes; a list is fetched again when it is older than
  TAKAMATSU_JPKI_CRL_REFRESH_SECONDS or its nextUpdate is nearer than that;
- a verification that finds no list kept for a URL, or only one past its nextUpdate, fetches it there and
  then (`crls_for_verification`); if that fails too, verification is unavailable (503), never "not revoked".

A fetched list replaces the kept one only if it parses as a CRL, is signed by the trust anchor whose name
is its issuer, and is not older (thisUpdate) than the kept one; anything else keeps the old list and records
why in `last_error`. The answer is read up to TAKAMATSU_JPKI_CRL_MAX_BYTES within the timeout; an ETag
makes an unchanged list a 304.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from functools import lru_cache

import requests
from asn1crypto import pem as asn1_pem
from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .jpki import JPKIError, is_url, trust_material
from .models import RevocationList

logger = logging.getLogger(__name__)


class CRLRefused(Exception):
    """A fetched answer that is not a good list for this URL; the message says why (kept in last_error)."""


class CRLUnavailable(Exception):
    """A URL of the setting has no current list, even after fetching it again."""


def crl_urls() -> list[str]:
    return [s for s in settings.TAKAMATSU_JPKI_CRLS if s and is_url(s)]


@dataclass(frozen=True)
class ParsedCRL:
    der: bytes
    issuer: str
    this_update: dt.datetime
    next_update: dt.datetime | None
    revoked_count: int


def _trust_anchors() -> list[x509.Certificate]:
    try:
        roots, _files = trust_material()
    except JPKIError as exc:
        raise CRLRefused("trust anchors cannot be read") from exc
    return [x509.load_der_x509_certificate(root.dump()) for root in roots]


def parse_crl(data: bytes) -> ParsedCRL:
    """A CRL (DER or PEM) signed by one of the trust anchors, or CRLRefused."""
    if asn1_pem.detect(data):
        try:
            _type, _headers, data = asn1_pem.unarmor(data)
        except ValueError as exc:
            raise CRLRefused("not a CRL (bad PEM)") from exc
    try:
        crl = x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise CRLRefused("not a CRL") from exc
    issuers = [a for a in _trust_anchors() if a.subject == crl.issuer]
    if not issuers:
        raise CRLRefused(f"issuer is not a trust anchor: {crl.issuer.rfc4514_string()}"[:300])
    if not any(crl.is_signature_valid(a.public_key()) for a in issuers):
        raise CRLRefused("signature does not verify with the issuer's key")
    return ParsedCRL(
        der=data,
        issuer=crl.issuer.rfc4514_string()[:500],
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        revoked_count=len(crl),
    )


def _download(url: str, etag: str) -> tuple[bytes | None, str]:
    """The body (None for 304 Not Modified) and the new ETag; CRLRefused for anything else."""
    headers = {"If-None-Match": etag} if etag else {}
    limit, timeout = settings.TAKAMATSU_JPKI_CRL_MAX_BYTES, settings.TAKAMATSU_JPKI_CRL_TIMEOUT_SECONDS
    deadline = time.monotonic() + 3 * timeout  # requests' timeout is per read: bound the whole answer too
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True) as response:
            if response.status_code == 304 and etag:
                return None, etag
            if response.status_code != 200:
                raise CRLRefused(f"HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > limit:
                    raise CRLRefused(f"larger than {limit} bytes")
                if time.monotonic() > deadline:
                    raise CRLRefused(f"took longer than {3 * timeout} seconds")
            return bytes(body), response.headers.get("ETag", "")[:200]
    except requests.RequestException as exc:
        raise CRLRefused(f"fetch failed: {type(exc).__name__}") from exc


def crl_refresh(url: str) -> RevocationList:
    """Fetch the list at `url` now and keep it if it is good; the row says what happened."""
    row, _created = RevocationList.objects.get_or_create(url=url)
    now = timezone.now()
    try:
        body, etag = _download(url, row.etag if row.this_update else "")
        parsed = parse_crl(body) if body is not None else None
    except CRLRefused as exc:
        logger.warning("CRL from %s refused: %s", url, exc)
        RevocationList.objects.filter(pk=row.pk).update(checked_at=now, last_error=str(exc)[:300])
        row.refresh_from_db()
        return row
    with transaction.atomic():
        # Two fetches of one URL may finish together (beat and a verification): the newer list wins.
        row = RevocationList.objects.select_for_update().get(pk=row.pk)
        row.checked_at = now
        if parsed is not None and row.this_update and parsed.this_update < row.this_update:
            row.last_error = "older than the list kept (thisUpdate)"
            logger.warning("CRL from %s refused: older than the list kept", url)
        else:
            row.fetched_at, row.last_error = now, ""
            if parsed is not None:
                row.der, row.issuer, row.revoked_count = parsed.der, parsed.issuer, parsed.revoked_count
                row.this_update, row.next_update, row.etag = parsed.this_update, parsed.next_update, etag
        row.save()
    return row


def _is_due(row: RevocationList | None, now: dt.datetime) -> bool:
    if row is None or not row.this_update or row.fetched_at is None:
        return True
    margin = dt.timedelta(seconds=settings.TAKAMATSU_JPKI_CRL_REFRESH_SECONDS)
    if row.next_update is not None and row.next_update - now < margin:
        return True
    return now - row.fetched_at >= margin


def crls_refresh_due(*, force: bool = False) -> list[RevocationList]:
    """Fetch the lists that are due (all of them with force); the beat task and the command call this."""
    now = timezone.now()
    kept = {row.url: row for row in RevocationList.objects.filter(url__in=crl_urls())}
    return [crl_refresh(url) for url in crl_urls() if force or _is_due(kept.get(url), now)]


def _usable(row: RevocationList | None, now: dt.datetime) -> bool:
    return bool(row and row.this_update and (row.next_update is None or row.next_update > now))


def crls_for_verification() -> tuple[bytes, ...]:
    """The current list of every URL of the setting (DER), fetching one that is missing or past its
    nextUpdate; CRLUnavailable if one still has none (a card is never assumed unrevoked)."""
    urls = crl_urls()
    if not urls:
        return ()
    now = timezone.now()
    kept = {row.url: row for row in RevocationList.objects.filter(url__in=urls).defer("der")}
    for url in urls:
        if not _usable(kept.get(url), now):
            kept[url] = crl_refresh(url)
            if not _usable(kept[url], now):
                raise CRLUnavailable(url)
    return tuple(_crl_der(url, kept[url].this_update) for url in urls)


@lru_cache(maxsize=8)
def _crl_der(url: str, this_update: dt.datetime) -> bytes:
    """A kept list's DER, read once per process and version (a national CRL runs to megabytes)."""
    # A refresh between the caller's read and this one gives the newer list: never an older one.
    return bytes(RevocationList.objects.values_list("der", flat=True).get(url=url))
