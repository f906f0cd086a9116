"""JPKI signature verification (SPEC §3.2 route 1): signature, chain, validity, revocation, 基本4情報.

Pure cryptography, no database: services.py wraps it with the challenge and what is kept.
The chain, validity period and CRLs are checked by pyhanko-certvalidator (a maintained RFC 5280 path
validator), never by hand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from asn1crypto.core import UTF8String
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from apps.core.errors import ApplicationError

from .jpki_oids import BASIC_INFO_OIDS, SIGNATURE_CERT_POLICY

TAKAMATSU = "香川県高松市"
ERAS = {"1": "明治", "2": "大正", "3": "昭和", "4": "平成", "5": "令和", "0": ""}


class JPKIError(ApplicationError):
    """A verification failure with its stable code (SPEC §4)."""

    status = 400


@dataclass(frozen=True)
class CardIdentity:
    name: str
    name_alt: str
    address: str
    address_alt: str
    birth_date: dt.date | None
    gender: str
    certificate_expires_at: dt.datetime
    issuer_serial: str  # issuer DN + serial: recognises the same card, hashed before it is kept

    @property
    def is_takamatsu_resident(self) -> bool:
        return is_takamatsu_address(self.address)


def is_takamatsu_address(address: str) -> bool:
    # NFKC folds full-width and compatibility forms; spaces are not part of an address.
    folded = "".join(unicodedata.normalize("NFKC", address).split())
    return folded.startswith(TAKAMATSU)


def parse_birth(value: str) -> dt.date | None:
    """`EYYYYMMDD`: an era digit, then the Gregorian date (`319800217` is 1980-02-17)."""
    if len(value) != 9 or not value.isdigit() or value[0] not in ERAS:
        return None
    try:
        return dt.date(int(value[1:5]), int(value[5:7]), int(value[7:9]))
    except ValueError:
        return None


def _read_pem_bundle(path: Path) -> list[asn1_x509.Certificate]:
    data = path.read_bytes()
    if not asn1_pem.detect(data):
        return [asn1_x509.Certificate.load(data)]
    return [asn1_x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True)]


@lru_cache(maxsize=4)
def _trust_material(anchors: str, crls: tuple[str, ...], mtime_key: tuple) -> tuple[list, list[bytes]]:
    roots: list = []
    for path in anchors.split(","):
        if path.strip():
            roots.extend(_read_pem_bundle(Path(path.strip())))
    crl_bytes = []
    for path in crls:
        data = Path(path).read_bytes()
        if asn1_pem.detect(data):
            _type, _headers, data = asn1_pem.unarmor(data)
        crl_bytes.append(data)
    return roots, crl_bytes


def is_url(source: str) -> bool:
    return urlparse(source).scheme in ("http", "https")


def trust_material() -> tuple[list, list[bytes]]:
    """Trust anchors and CRL files from TAKAMATSU_JPKI_TRUST_ANCHORS / TAKAMATSU_JPKI_CRLS (reloaded on
    change). The setting's URLs are fetched and kept by crls.py and passed in by the caller."""
    anchors = settings.TAKAMATSU_JPKI_TRUST_ANCHORS
    crls = tuple(p for p in settings.TAKAMATSU_JPKI_CRLS if p and not is_url(p))
    if not anchors:
        raise JPKIError("JPKI trust anchors are not configured.", code="verification_unavailable", status=503)
    paths = [p.strip() for p in anchors.split(",") if p.strip()] + list(crls)
    try:
        key = tuple((p, Path(p).stat().st_mtime_ns) for p in paths)
        return _trust_material(anchors, crls, key)
    except OSError as exc:
        raise JPKIError(
            "JPKI trust material cannot be read.", code="verification_unavailable", status=503
        ) from exc


def load_certificate(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise JPKIError(
            _("証明書を読み取れません（DER 形式ではありません）。"), code="certificate_malformed"
        ) from exc


def check_signature(cert: x509.Certificate, nonce: bytes, signature: bytes) -> None:
    """RSASSA-PKCS1-v1_5 with SHA-256 over the raw nonce bytes."""
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise JPKIError(_("RSA 以外の鍵には対応していません。"), code="certificate_unsupported")
    try:
        public_key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise JPKIError(_("署名を検証できませんでした。"), code="signature_invalid") from exc


def _run_async(coroutine):
    """Run the validator's coroutine to completion from sync code, even where this thread has a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def validate_chain(
    cert_der: bytes,
    intermediates: list[bytes],
    *,
    moment: dt.datetime | None = None,
    fetched_crls: tuple[bytes, ...] = (),
) -> None:
    roots, crls = trust_material()
    crls = crls + list(fetched_crls)
    try:
        end_entity = asn1_x509.Certificate.load(cert_der)
        others = [asn1_x509.Certificate.load(der) for der in intermediates]
        context = ValidationContext(
            trust_roots=roots,
            other_certs=others,
            crls=crls,
            revocation_mode="require",  # no CRL that covers the card: refuse, never assume good
            moment=moment,
            allow_fetching=False,
        )
        validator = CertificateValidator(end_entity, others, validation_context=context)
        _run_async(validator.async_validate_usage({"digital_signature", "non_repudiation"}))
    except RevokedError as exc:
        raise JPKIError(_("この電子証明書は失効しています。"), code="certificate_revoked") from exc
    except (ExpiredError, NotYetValidError) as exc:
        raise JPKIError(_("この電子証明書は有効期間外です。"), code="certificate_expired") from exc
    except InsufficientRevinfoError as exc:
        raise JPKIError(_("失効情報（CRL）を確認できません。"), code="certificate_untrusted") from exc
    except PathBuildingError as exc:
        raise JPKIError(_("信頼できる認証局の証明書ではありません。"), code="certificate_untrusted") from exc
    except (PathValidationError, InvalidCertificateError) as exc:
        raise JPKIError(_("この電子証明書は利用できません。"), code="certificate_untrusted") from exc
    except ValueError as exc:
        raise JPKIError(_("証明書を読み取れません。"), code="certificate_malformed") from exc


def read_basic_info(cert: x509.Certificate) -> dict[str, str]:
    """The 基本4情報 from the subjectAltName otherName entries (OID arc 1.2.392.200149.8.5.5)."""
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound as exc:
        raise JPKIError(
            _("署名用電子証明書の基本4情報がありません。"), code="certificate_unsupported"
        ) from exc
    if SIGNATURE_CERT_POLICY not in {p.policy_identifier.dotted_string for p in policies}:
        raise JPKIError(_("署名用電子証明書ではありません。"), code="certificate_unsupported")
    by_oid = {oid: key for key, oid in BASIC_INFO_OIDS.items()}
    values: dict[str, str] = {}
    for other in san.get_values_for_type(x509.OtherName):
        key = by_oid.get(other.type_id.dotted_string)
        if key is None:
            continue
        try:
            values[key] = UTF8String.load(other.value).native
        except (ValueError, TypeError) as exc:
            raise JPKIError(_("基本4情報を読み取れません。"), code="certificate_unsupported") from exc
    if not all(values.get(k) for k in ("name", "address", "birth", "gender")):
        raise JPKIError(_("署名用電子証明書の基本4情報がありません。"), code="certificate_unsupported")
    return values


def issuer_serial(cert: x509.Certificate) -> str:
    return f"{cert.issuer.rfc4514_string()}#{cert.serial_number:x}"


def verify_card_signature(
    *,
    nonce: bytes,
    certificate: bytes,
    intermediates: list[bytes],
    signature: bytes,
    fetched_crls: tuple[bytes, ...] = (),
) -> CardIdentity:
    """Check everything the server must before believing a card: raises JPKIError with its code.
    `fetched_crls`: the DER of the lists kept for the setting's URLs (crls.py)."""
    cert = load_certificate(certificate)
    for der in intermediates:
        load_certificate(der)
    check_signature(cert, nonce, signature)
    validate_chain(certificate, intermediates, fetched_crls=fetched_crls)
    info = read_basic_info(cert)
    return CardIdentity(
        name=info["name"],
        name_alt=info.get("name_alt", ""),
        address=info["address"],
        address_alt=info.get("address_alt", ""),
        birth_date=parse_birth(info["birth"]),
        gender=info["gender"],
        certificate_expires_at=cert.not_valid_after_utc,
        issuer_serial=issuer_serial(cert),
    )
