"""Superset settings for the leadership dashboards (loaded through SUPERSET_CONFIG_PATH by .venv-superset).

Everything Superset keeps — its metadata DB, the secret key, logs — lives in SUPERSET_HOME (data/dashboards/
by default, set by milestones.dashboards). The dashboards read only the published, read-only copy of the
warehouse; chart data is not cached, so a new copy published at night is what the next page view shows.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

_HOME = Path(os.environ.get("SUPERSET_HOME") or Path(__file__).resolve().parents[2] / "data" / "dashboards")
_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SUPERSET_SECRET_KEY when set, else a random key created once beside the metadata DB (mode 0600)."""
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return os.environ["SUPERSET_SECRET_KEY"]
    path = _HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _contract_base_url() -> str:
    """Where the review app serves a contract's page; a contract id is appended after a '/'."""
    url = os.environ.get("MILESTONES_CONTRACT_BASE_URL") or "http://127.0.0.1:8090/contracts"
    if not re.fullmatch(r"https?://[A-Za-z0-9._~:/?#\[\]@!$&()*+,;=%-]+", url) or "'" in url:
        raise ValueError(
            f"MILESTONES_CONTRACT_BASE_URL={url!r}: give an absolute http(s) URL without quotes or spaces, "
            "e.g. http://127.0.0.1:8090/contracts"
        )
    return url.rstrip("/")


CONTRACT_BASE_URL = _contract_base_url()
SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_DATABASE_URI") or f"sqlite:///{_HOME / 'superset.db'}"
DATA_DIR = str(_HOME)

APP_NAME = "Contract milestones"
# Virtual datasets use Jinja for the contract link base URL ({{ contract_base_url() }}).
FEATURE_FLAGS = {"ENABLE_TEMPLATE_PROCESSING": True}
JINJA_CONTEXT_ADDONS = {"contract_base_url": lambda: CONTRACT_BASE_URL}
# The published copy is a few MB and answers in milliseconds; a cache would only serve yesterday's numbers.
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# Pages load nothing from other hosts: Superset's default policy admits a usage pixel (scarf.sh), map tiles
# and web fonts; here every source is the server itself (fonts fall back to the system's).
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
