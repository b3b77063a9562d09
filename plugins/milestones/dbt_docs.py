"""The dbt catalog: `dbt docs generate --static` into data/dbt_docs/ (static_index.html opens offline).

Run by the register_models DAG after each publish and by `make dbt-docs`; reads the warehouse for the
catalog, so it runs in the writer pool. `target/` inside dbt/ is never used for it (nor committed).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .paths import get_paths

__all__ = ["docs_target", "generate_docs", "main"]


def docs_target() -> Path:
    return get_paths().data / "dbt_docs"


def generate_docs(as_of: str | None = None, warehouse: Path | None = None, target: Path | None = None) -> Path:
    """Generate the docs site; returns the path of static_index.html. Raises RuntimeError if dbt fails."""
    from dbt.cli.main import dbtRunner

    paths = get_paths()
    target = Path(target or docs_target())
    os.environ["MILESTONES_WAREHOUSE"] = str(warehouse or os.environ.get("MILESTONES_WAREHOUSE") or paths.warehouse)
    os.environ.setdefault("DBT_LOG_PATH", str(paths.data / "logs" / "dbt"))
    args = ["docs", "generate", "--static", "--project-dir", str(paths.dbt_project), "--profiles-dir",
            str(paths.dbt_project), "--target-path", str(target), "--quiet"]  # fmt: skip
    if as_of:
        args += ["--vars", json.dumps({"as_of": as_of})]
    result = dbtRunner().invoke(args)
    if not result.success:
        raise RuntimeError(f"dbt docs generate failed: {result.exception}; see {os.environ['DBT_LOG_PATH']}/dbt.log")
    return target / "static_index.html"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m milestones.dbt_docs", description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default=None, help="reference date the models compile with (default: latest load)")
    args = parser.parse_args(argv)
    print(generate_docs(as_of=args.as_of))
    return 0


if __name__ == "__main__":
    sys.exit(main())
