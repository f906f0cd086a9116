"""Pytest fixtures that start real protocol peers as processes (imported by tests/conftest.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class OIDCProvider:
    issuer: str
    client_id: str
    client_secret: str

    def control(self, **settings) -> None:
        request = urllib.request.Request(
            f"{self.issuer}/_control",
            data=json.dumps(settings).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=5).read()  # noqa: S310 - local test peer


@pytest.fixture
def oidc_provider(settings):
    """A running OpenID Connect provider process, configured as the digital authentication app."""
    port = free_port()
    provider = OIDCProvider(f"http://127.0.0.1:{port}", "takamatsu-portal", "provider-test-secret")
    process = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "oidc_provider.py"),
            str(port),
            provider.client_id,
            provider.client_secret,
        ]
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(
                    f"{provider.issuer}/.well-known/openid-configuration", timeout=1
                ).read()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        settings.TAKAMATSU_OIDC = {
            "ISSUER": provider.issuer,
            "CLIENT_ID": provider.client_id,
            "CLIENT_SECRET": provider.client_secret,
            "SCOPES": "openid name address birthdate gender",
        }
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)
