"""Embedded default for `make run`: SQLite, eager Celery, local-memory cache, console e-mail."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
TAKAMATSU_DEMO = True

# Demo PKI made by `load_demo` (a test CA and test cards): never in production settings.
DEMO_PKI_DIR = BASE_DIR / "var" / "demo-jpki"
TAKAMATSU_JPKI_TRUST_ANCHORS = str(DEMO_PKI_DIR / "ca.pem")
TAKAMATSU_JPKI_CRLS = [str(DEMO_PKI_DIR / "ca.crl")]
TAKAMATSU_DEMO_CARDS_DIR = str(DEMO_PKI_DIR / "cards")
