"""Embedded default for `make run`: SQLite, eager Celery, local-memory cache, console e-mail."""

from .base import *  # noqa: F403
from .base import BASE_DIR, TAKAMATSU_JPKI_CRLS, TAKAMATSU_JPKI_TRUST_ANCHORS, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
TAKAMATSU_DEMO = True

# Demo PKI made by `load_demo` (a test CA and test cards): never in production settings. It is added to
# what the environment configures (base.py), never instead of it.
DEMO_PKI_DIR = BASE_DIR / "var" / "demo-jpki"
TAKAMATSU_JPKI_TRUST_ANCHORS = ",".join(
    p for p in (TAKAMATSU_JPKI_TRUST_ANCHORS, str(DEMO_PKI_DIR / "ca.pem")) if p
)
TAKAMATSU_JPKI_CRLS = [*TAKAMATSU_JPKI_CRLS, str(DEMO_PKI_DIR / "ca.crl")]
TAKAMATSU_DEMO_CARDS_DIR = str(DEMO_PKI_DIR / "cards")
