"""Fixtures for the source tests: an RSA key pair (DocuSign JWT grant, Ironclad webhook signatures), a sleep
recorder (the clients wait what the fakes ask — tests record the waits instead of sleeping them), the fakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from .fake_docusign_clm import FakeDocuSignCLM
from .fake_ironclad import FakeIronclad


@pytest.fixture(scope="session")
def rsa_keys() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()  # fmt: skip
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()  # fmt: skip
    return private, public


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def ironclad(rsa_keys):
    with FakeIronclad(public_key_pem=rsa_keys[1]) as fake:
        yield fake


@pytest.fixture
def docusign(rsa_keys):
    with FakeDocuSignCLM(public_key_pem=rsa_keys[1]) as fake:
        yield fake


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"
