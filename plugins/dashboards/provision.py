"""Provision Superset for the leadership dashboards. Runs inside .venv-superset, never in the pipeline's venv.

    provision.py template --out FILE     fresh metadata DB (migrations + roles), made once by `make dashboards-install`
    provision.py import --published DB   metadata DB from the template when missing, the admin account, then the
                                         bundle in bundle/ imported with overwrite (idempotent), printed as JSON

The bundle is Superset's own export format (metadata.yaml, databases/, datasets/, charts/, dashboards/), so a
dashboard edited in the UI can be exported and its files dropped back in. Two placeholders are filled here:
__MILESTONES_PUBLISHED_URI__ (the read-only DuckDB URI of the published copy) in databases/*.yaml.
Settings come from the environment (SUPERSET_HOME, SUPERSET_CONFIG_PATH, SUPERSET_ADMIN_PASSWORD), set by
milestones.dashboards, which also validates them.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BUNDLE = HERE / "bundle"
PUBLISHED_PLACEHOLDER = "__MILESTONES_PUBLISHED_URI__"
ADMIN = "admin"


def _app(metadata_db: Path):
    # absolute: Flask-SQLAlchemy would put a relative SQLite path under the app's instance folder
    os.environ["SUPERSET_DATABASE_URI"] = f"sqlite:///{metadata_db.resolve()}"
    os.environ.setdefault("SUPERSET_CONFIG_PATH", str(HERE / "superset_config.py"))
    from superset.app import create_app

    return create_app()


def _migrate_and_sync_roles() -> None:
    from flask_migrate import upgrade
    from superset import appbuilder, security_manager

    upgrade()
    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()


def make_template(out: Path) -> None:
    """Migrations and roles only: no users, databases or secrets (a throwaway key; nothing is encrypted yet)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    os.environ["SUPERSET_HOME"] = str(out.parent.resolve())
    os.environ["SUPERSET_SECRET_KEY"] = secrets.token_urlsafe(48)
    tmp = out.with_name(out.name + ".tmp")
    tmp.unlink(missing_ok=True)
    app = _app(tmp)
    with app.app_context():
        _migrate_and_sync_roles()
    os.replace(tmp, out)


def bundle_contents(published_uri: str, bundle: Path = BUNDLE) -> dict[str, str]:
    """{path inside the bundle: YAML text} with the placeholders filled, as Superset's importer expects."""
    contents = {}
    for path in sorted(bundle.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if path.parent.name == "databases":
            if PUBLISHED_PLACEHOLDER not in text:
                raise SystemExit(f"{path}: sqlalchemy_uri must be {PUBLISHED_PLACEHOLDER} (exported files carry "
                                 "the exporting machine's path; put the placeholder back)")  # fmt: skip
            text = text.replace(PUBLISHED_PLACEHOLDER, published_uri)
        contents[path.relative_to(bundle).as_posix()] = text
    return contents


def _ensure_admin(password: str):
    from superset import security_manager

    user = security_manager.find_user(username=ADMIN)
    if user is None:
        user = security_manager.add_user(
            ADMIN, "Dashboards", "Admin", "admin@contract-milestones.local",
            security_manager.find_role("Admin"), password=password,
        )  # fmt: skip
        if not user:
            raise SystemExit("could not create the Superset admin user (see the log above)")
    else:
        security_manager.reset_password(user.id, password)
    return security_manager.find_user(username=ADMIN)


def _scope_native_filters() -> None:
    """A native filter applies to every chart of its dashboard whose dataset has the filter's column.

    chartsInScope holds chart ids, which only exist after the import, so it is computed here.
    """
    from superset import db
    from superset.models.dashboard import Dashboard

    for dash in db.session.query(Dashboard).all():
        meta = json.loads(dash.json_metadata or "{}")
        filters = meta.get("native_filter_configuration") or []
        if not filters:
            continue
        for flt in filters:
            cols = {t.get("column", {}).get("name") for t in flt.get("targets", [])} - {None}
            flt["chartsInScope"] = sorted(
                s.id for s in dash.slices if cols and cols <= {c.column_name for c in s.datasource.columns}
            )
        dash.json_metadata = json.dumps(meta)
    db.session.commit()


def import_bundle(metadata_db: Path, template: Path, published: Path, password: str) -> dict[str, Any]:
    started = time.perf_counter()
    if not metadata_db.exists():
        if not template.exists():
            raise SystemExit(f"{template} is missing: run `make dashboards-install`")
        metadata_db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, metadata_db)
    app = _app(metadata_db)
    with app.app_context():
        from flask import g
        from flask_migrate import upgrade
        from superset import db
        from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand
        from superset.models.dashboard import Dashboard

        upgrade()  # no-op unless Superset was upgraded since the template was made
        g.user = _ensure_admin(password)
        uri = f"duckdb:///{published.resolve()}?access_mode=read_only"
        ImportDashboardsCommand(bundle_contents(uri), overwrite=True).run()
        _scope_native_filters()
        dashboards = {d.slug: {"id": d.id, "title": d.dashboard_title, "charts": len(d.slices)}
                      for d in db.session.query(Dashboard).order_by(Dashboard.id)}  # fmt: skip
    return {"dashboards": dashboards, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("template")
    t.add_argument("--out", type=Path, required=True)
    i = sub.add_parser("import")
    i.add_argument("--published", type=Path, required=True)
    i.add_argument("--template", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.cmd == "template":
        make_template(args.out)
        return 0
    home = Path(os.environ["SUPERSET_HOME"])
    password = os.environ.get("SUPERSET_ADMIN_PASSWORD") or ""
    if len(password) < 8:
        raise SystemExit("SUPERSET_ADMIN_PASSWORD must be set (8+ characters); milestones.dashboards sets it")
    result = import_bundle(home / "superset.db", args.template, args.published, password)
    print("PROVISIONED " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
