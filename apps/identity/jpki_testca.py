"""Test certification authority and test My Number cards (development and tests only).

Produces what J-LIS would: a CA certificate, signature certificates (署名用電子証明書) carrying the
基本4情報 as subjectAltName otherName entries under OID arc 1.2.392.200149.8.5.5, and a CRL, so that the
whole cryptographic path of JPKI verification runs without J-LIS. Nothing here is imported by the
verification code itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto.core import UTF8String
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from .jpki_oids import BASIC_INFO_OIDS, SIGNATURE_CERT_POLICY


@dataclass
class DemoCard:
    """One card: its private key (in the card's chip on a real card) and its signature certificate."""

    name: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    def sign(self, data: bytes) -> bytes:
        """What the card does with the PIN-protected signature key: RSASSA-PKCS1-v1_5 with SHA-256."""
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{self.name}.key.pem").write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (directory / f"{self.name}.cert.pem").write_bytes(
            self.certificate.public_bytes(serialization.Encoding.PEM)
        )

    @classmethod
    def load(cls, directory: Path, name: str) -> DemoCard:
        key = serialization.load_pem_private_key((directory / f"{name}.key.pem").read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate((directory / f"{name}.cert.pem").read_bytes())
        assert isinstance(key, rsa.RSAPrivateKey)
        return cls(name=name, key=key, certificate=cert)


@dataclass
class CardHolder:
    """The 基本4情報 as a real card encodes them (SPEC §3.2)."""

    name: str = "高松　太郎"
    address: str = "香川県高松市番町一丁目8番15号"
    birth: str = "319800217"  # era digit + YYYYMMDD: 昭和, 1980-02-17
    gender: str = "1"
    name_alt: str = ""
    address_alt: str = ""


def _utf8(value: str) -> bytes:
    return UTF8String(value).dump()


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class DemoCA:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    revoked: list[int] = field(default_factory=list)

    @classmethod
    def create(cls, common_name: str = "Takamatsu Test JPKI Signature CA", *, now: dt.datetime | None = None):
        now = now or dt.datetime.now(dt.UTC)
        key = _new_key()
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Takamatsu Digital City Hall (TEST)"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )  # fmt: skip
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(key=key, certificate=cert)

    def issue_card(
        self,
        name: str,
        holder: CardHolder | None = None,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        with_basic_info: bool = True,
    ) -> DemoCard:
        holder = holder or CardHolder()
        now = dt.datetime.now(dt.UTC)
        not_before = not_before or now - dt.timedelta(days=1)
        not_after = not_after or now + dt.timedelta(days=5 * 365)
        key = _new_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                        x509.NameAttribute(NameOID.LOCALITY_NAME, "Kagawa-ken"),
                        x509.NameAttribute(
                            NameOID.COMMON_NAME, f"TEST-CARD-{x509.random_serial_number() % 10**8:08d}"
                        ),
                    ]
                )
            )
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )  # fmt: skip
            .add_extension(
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier(SIGNATURE_CERT_POLICY), None)]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )
        if with_basic_info:
            values = {
                "name": holder.name,
                "name_alt": holder.name_alt or holder.name,
                "gender": holder.gender,
                "birth": holder.birth,
                "address": holder.address,
                "address_alt": holder.address_alt or holder.address,
            }
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.OtherName(x509.ObjectIdentifier(BASIC_INFO_OIDS[k]), _utf8(v))
                        for k, v in values.items()
                    ]
                ),
                critical=False,
            )
        cert = builder.sign(self.key, hashes.SHA256())
        return DemoCard(name=name, key=key, certificate=cert)

    @classmethod
    def load_or_create(cls, directory: Path) -> DemoCA:
        """The CA kept in `directory` (ca.pem, ca.key.pem, revoked.txt), made there on first use."""
        key_path, cert_path = directory / "ca.key.pem", directory / "ca.pem"
        if not key_path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            ca = cls.create()
            ca.save(directory)
            return ca
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        revoked_file = directory / "revoked.txt"
        revoked = [int(x, 16) for x in revoked_file.read_text().split()] if revoked_file.exists() else []
        return cls(
            key=key, certificate=x509.load_pem_x509_certificate(cert_path.read_bytes()), revoked=revoked
        )

    def save(self, directory: Path) -> None:
        """Write the CA certificate (the trust anchor), its key, the revocation list and the CRL."""
        (directory / "ca.pem").write_bytes(self.pem)
        (directory / "ca.key.pem").write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (directory / "revoked.txt").write_text("".join(f"{s:x}\n" for s in self.revoked))
        (directory / "ca.crl").write_bytes(self.crl())

    def revoke(self, card: DemoCard) -> None:
        self.revoked.append(card.certificate.serial_number)

    def crl(self, *, now: dt.datetime | None = None) -> bytes:
        now = now or dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )
        for serial in self.revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(now - dt.timedelta(minutes=10))
                .build()
            )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


STANDARD_CARDS = {
    # name: (holder, kind)
    "takamatsu-resident": (CardHolder(), "valid"),
    "newcomer": (
        CardHolder(name="瀬戸　花子", address="香川県高松市サンポート2番1号", birth="420010405", gender="2"),
        "valid",
    ),
    "marugame-resident": (
        CardHolder(name="丸亀　一郎", address="香川県丸亀市大手町二丁目4番21号", birth="319750101"),
        "valid",
    ),
    "expired": (CardHolder(), "expired"),
    "revoked": (CardHolder(), "revoked"),
    "no-basic-info": (CardHolder(), "no-basic-info"),
}


def build_test_pki(directory: Path) -> dict[str, Path]:
    """Write a test CA, the standard test cards and a CRL into `directory`; returns the main paths."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = DemoCA.create()
    now = dt.datetime.now(dt.UTC)
    for name, (holder, kind) in STANDARD_CARDS.items():
        if kind == "expired":
            card = ca.issue_card(
                name,
                holder,
                not_before=now - dt.timedelta(days=5 * 365),
                not_after=now - dt.timedelta(days=1),
            )
        else:
            card = ca.issue_card(name, holder, with_basic_info=kind != "no-basic-info")
        if kind == "revoked":
            ca.revoke(card)
        card.save(directory / "cards")
    (directory / "ca.pem").write_bytes(ca.pem)
    (directory / "ca.crl").write_bytes(ca.crl())
    (directory / "ca.key.pem").write_bytes(
        ca.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return {"trust_anchors": directory / "ca.pem", "crl": directory / "ca.crl", "cards": directory / "cards"}
