"""Leadership dashboards: Apache Superset over the published (read-only) warehouse.

Superset lives in its own virtualenv (.venv-superset, `make dashboards-install`) because its pins clash with
Airflow's; this module is the pipeline-side glue. `build_dashboards()` checks the published copy has what the
dashboards read, then provisions Superset (metadata DB, admin account, the committed bundle in
plugins/dashboards/bundle/ imported with overwrite); `serve()` also starts gunicorn. Charts query the
published copy live (no cache), so after a nightly publish the same dashboards show the new numbers; the
nightly `dashboards_refresh` DAG re-imports the bundle so changes to it land too.

    python -m milestones.dashboards build | serve [--port N] | check
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.errors import MilestonesError

from .paths import PROJECT_ROOT, get_paths

__all__ = [
    "DASHBOARDS",
    "REQUIRED_RELATIONS",
    "DashboardSettings",
    "DashboardsNotInstalled",
    "build_dashboards",
    "check_published",
    "start_server",
    "wait_until_up",
    "main",
]

BI_DIR = PROJECT_ROOT / "plugins" / "dashboards"
# slug -> title, in the order the README lists them
DASHBOARDS: dict[str, str] = {
    "obligation-health": "Obligation health",
    "upcoming-deadlines": "Upcoming deadlines",
    "renewals": "Renewals & notice windows",
    "at-risk": "At risk",
    "sla-performance": "SLA performance",
    "payment-schedule": "Payment schedule",
    "review-backlog": "Review backlog & extraction confidence",
}
# What the bundle's datasets read from the published copy.
REQUIRED_RELATIONS: tuple[str, ...] = (
    "marts.fct_obligations", "marts.dim_contracts", "marts.mart_obligation_health", "marts.mart_at_risk",
    "marts.mart_upcoming_deadlines", "marts.mart_renewal_windows", "marts.mart_sla_performance",
    "marts.mart_payment_schedule", "marts.mart_payment_months", "marts.mart_obligation_evidence",
    "marts.mart_milestone_dependencies", "raw.milestones", "raw.contracts", "raw.documents", "raw.extraction_runs",
)  # fmt: skip
_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#\[\]@!$&()*+,;=%-]+")


class DashboardsNotInstalled(MilestonesError):
    """The Superset virtualenv is missing; `make dashboards-install` creates it."""


@dataclass(frozen=True)
class DashboardSettings:
    home: Path  # Superset's metadata DB, secret key, admin password file, logs
    superset_venv: Path
    host: str = "127.0.0.1"
    port: int = 8088
    contract_base_url: str = "http://127.0.0.1:8090/contracts"
    admin_password: str | None = None  # None: generated once into home/admin_password

    def __post_init__(self) -> None:
        if not (0 < self.port < 65536):
            raise MilestonesError(
                f"MILESTONES_DASHBOARDS_PORT={self.port}: give a TCP port between 1 and 65535"
            )
        if not _URL.fullmatch(self.contract_base_url) or "'" in self.contract_base_url:
            raise MilestonesError(
                f"MILESTONES_CONTRACT_BASE_URL={self.contract_base_url!r}: give an absolute http(s) URL of the "
                "review app's contract pages without quotes or spaces, e.g. http://127.0.0.1:8090/contracts"
            )
        if self.admin_password is not None and len(self.admin_password) < 8:
            raise MilestonesError(
                "SUPERSET_ADMIN_PASSWORD must have 8 or more characters (or unset it: one is generated)"
            )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def python(self) -> Path:
        return self.superset_venv / "bin" / "python"

    @property
    def template(self) -> Path:
        return self.superset_venv / "superset-template.db"

    def dashboard_url(self, slug: str) -> str:
        return f"{self.url}/superset/dashboard/{slug}/"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DashboardSettings:
        env = os.environ if env is None else env
        base = env.get("MILESTONES_CONTRACT_BASE_URL")
        if not base and env.get("MILESTONES_REVIEW_BASE_URL"):  # the fan-out's link base, when it is set
            base = env["MILESTONES_REVIEW_BASE_URL"].rstrip("/") + "/contracts"
        port = env.get("MILESTONES_DASHBOARDS_PORT", "8088")
        if not port.isdigit():
            raise MilestonesError(f"MILESTONES_DASHBOARDS_PORT={port!r}: give a TCP port number")
        return cls(
            home=Path(env.get("MILESTONES_DASHBOARDS_HOME") or get_paths().data / "dashboards"),
            superset_venv=Path(env.get("MILESTONES_SUPERSET_VENV") or PROJECT_ROOT / ".venv-superset"),
            host=env.get("MILESTONES_DASHBOARDS_HOST", "127.0.0.1"),
            port=int(port),
            contract_base_url=(base or cls.contract_base_url).rstrip("/"),
            admin_password=env.get("SUPERSET_ADMIN_PASSWORD") or None,
        )

    def password(self) -> str:
        if self.admin_password:
            return self.admin_password
        path = self.home / "admin_password"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(12))
            path.chmod(0o600)
        return path.read_text().strip()

    def env(self) -> dict[str, str]:
        """Environment for every Superset process (provisioning and the web server)."""
        return dict(
            os.environ,
            SUPERSET_HOME=str(self.home),
            SUPERSET_CONFIG_PATH=str(BI_DIR / "superset_config.py"),
            SUPERSET_DATABASE_URI=f"sqlite:///{self.home / 'superset.db'}",
            MILESTONES_CONTRACT_BASE_URL=self.contract_base_url,
            SUPERSET_ADMIN_PASSWORD=self.password(),
            FLASK_APP="superset",
            PYTHONUNBUFFERED="1",
        )

    def require_installed(self) -> None:
        if not self.python.exists() or not self.template.exists():
            raise DashboardsNotInstalled(
                f"Superset is not installed in {self.superset_venv}: run `make dashboards-install` "
                "(pinned apache-superset in its own virtualenv, about 2 minutes)"
            )


def check_published(published: Path) -> dict[str, Any]:
    """The published copy exists, opens read-only and has every relation the dashboards read."""
    import duckdb

    if not published.exists():
        raise MilestonesError(
            f"{published} does not exist: run `make demo` (or the register_models DAG) first"
        )
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error as exc:
        raise MilestonesError(f"{published} cannot be opened read-only ({exc}); republish it") from exc
    try:
        present = {f"{s}.{n}" for s, n in con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views() where not internal").fetchall()}  # fmt: skip
        missing = [r for r in REQUIRED_RELATIONS if r not in present]
        if missing:
            raise MilestonesError(f"{published} lacks {', '.join(missing)}: rebuild the marts (`make demo`)")
        row = con.execute("select max(as_of_date) from marts.fct_obligations").fetchone()
        occurrences = con.execute("select count(*) from marts.fct_obligations").fetchone()
    finally:
        con.close()
    return {
        "as_of": str(row[0]) if row and row[0] else None,
        "occurrences": int(occurrences[0] if occurrences else 0),
    }


def build_dashboards(
    published_path: Path | str | None = None, settings: DashboardSettings | None = None
) -> str:
    """Provision the dashboards on `published_path` and return the URL of the first one.

    Idempotent: re-imports the bundle with overwrite. Costs one Superset process start plus the import
    (≈15-35 s on 2 cores); the first call after `make clean` also copies the metadata template.
    Does not start the web server (`serve()` / `make dashboards` does).
    """
    settings = settings or DashboardSettings.from_env()
    published = Path(published_path or get_paths().published).resolve()
    settings.require_installed()
    check_published(published)
    settings.home.mkdir(parents=True, exist_ok=True)
    log = settings.home / "provision.log"
    with log.open("w") as fh:
        res = subprocess.run(
            [str(settings.python), str(BI_DIR / "provision.py"), "import", "--published", str(published),
             "--template", str(settings.template)],
            env=settings.env(), stdout=subprocess.PIPE, stderr=fh, text=True, cwd=settings.home,
        )  # fmt: skip
    line = next((ln for ln in res.stdout.splitlines() if ln.startswith("PROVISIONED ")), None)
    if res.returncode != 0 or line is None:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise MilestonesError(
            f"provisioning Superset failed (exit {res.returncode}); full log: {log}\n{tail}"
        )
    result = json.loads(line.removeprefix("PROVISIONED "))
    missing = sorted(set(DASHBOARDS) - set(result["dashboards"]))
    if missing:
        raise MilestonesError(
            f"the bundle did not provide dashboards {missing}: check plugins/dashboards/bundle/"
        )
    manifest = {slug: settings.dashboard_url(slug) for slug in DASHBOARDS}
    (settings.home / "dashboards.json").write_text(json.dumps(
        {"published": str(published), "seconds": result["seconds"], "urls": manifest}, indent=2))  # fmt: skip
    return manifest[next(iter(DASHBOARDS))]


def start_server(settings: DashboardSettings, log: Path | None = None) -> subprocess.Popen:
    """gunicorn serving Superset (2 workers × 4 threads); the caller stops it."""
    settings.require_installed()
    log = log or settings.home / "server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    fh = log.open("a")
    return subprocess.Popen(
        [str(settings.superset_venv / "bin" / "gunicorn"), "--workers", "2", "--worker-class", "gthread",
         "--threads", "4", "--timeout", "120", "--bind", f"{settings.host}:{settings.port}",
         "superset.app:create_app()"],
        env=settings.env(), stdout=fh, stderr=subprocess.STDOUT, cwd=settings.home,
    )  # fmt: skip


def wait_until_up(
    settings: DashboardSettings, proc: subprocess.Popen | None = None, timeout: float = 120
) -> float:
    """Seconds until /health answers 200; raises with a pointer to the log when it does not."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc is not None and proc.poll() is not None:
            raise MilestonesError(
                f"Superset exited with {proc.returncode}; see {settings.home / 'server.log'}"
            )
        try:
            with urllib.request.urlopen(f"{settings.url}/health", timeout=5) as resp:
                if resp.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise MilestonesError(f"Superset did not answer on {settings.url} within {timeout:.0f} s; "
                          f"see {settings.home / 'server.log'}")  # fmt: skip


def _print_where(settings: DashboardSettings) -> None:
    print(f"  sign in as admin, password in {settings.home / 'admin_password'}"
          if not settings.admin_password else "  sign in as admin (SUPERSET_ADMIN_PASSWORD)")  # fmt: skip
    for slug, title in DASHBOARDS.items():
        print(f"  {title:<40} {settings.dashboard_url(slug)}")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m milestones.dashboards", description=__doc__.splitlines()[0]
    )
    parser.add_argument("command", choices=("build", "serve", "check"))
    parser.add_argument(
        "--published", type=Path, default=None, help="published warehouse (default: data/published)"
    )
    parser.add_argument("--port", type=int, default=None, help="web server port (default 8088)")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.port:
        env["MILESTONES_DASHBOARDS_PORT"] = str(args.port)
    try:
        settings = DashboardSettings.from_env(env)
        published = Path(args.published or get_paths().published)
        if args.command == "check":
            print(json.dumps(check_published(published)))
            return 0
        started = time.perf_counter()
        build_dashboards(published, settings)
        print(f"dashboards provisioned from {published} in {time.perf_counter() - started:.0f} s")
        if args.command == "build":
            print(f"serve them with `make dashboards` ({settings.url})")
            _print_where(settings)
            return 0
        proc = start_server(settings)
        signal.signal(signal.SIGTERM, _interrupt)  # a stopped `make dashboards` stops gunicorn too
        try:
            wait_until_up(settings, proc)
            print(
                f"Superset is serving on {settings.url} (Ctrl-C stops it); log: {settings.home / 'server.log'}"
            )
            _print_where(settings)
            proc.wait()
        except KeyboardInterrupt:
            pass
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        return 0
    except MilestonesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
