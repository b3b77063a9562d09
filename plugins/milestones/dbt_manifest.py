"""The dbt manifest that `register_models` renders its cosmos task group from.

Reading a `dbt parse` manifest (JSON) takes ~0.1 s; letting cosmos parse the project's YAML itself at every
DAG parse takes ~0.3-0.7 s and misses the snapshot's `ref()`s. So `make demo`, `make test`, `make airflow` (and
`milestones.demo.prepare`) build `dbt/target/dag/manifest.json` when it is missing or older than any project
file, and the DAG uses it only while it is fresh: an edited model never runs from a stale graph.

    python -m milestones.dbt_manifest          # rebuild if stale, print the path
    python -m milestones.dbt_manifest --check  # exit 1 if missing or stale
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["manifest_path", "fresh_manifest", "ensure_manifest", "build_manifest"]

log = logging.getLogger(__name__)

# what the graph depends on; target/, logs/ and profiles.yml do not change it
_PROJECT_DIRS = ("models", "seeds", "snapshots", "macros", "tests", "analyses")


def manifest_path(dbt_dir: Path) -> Path:
    return dbt_dir / "target" / "dag" / "manifest.json"


def _newest_project_mtime(dbt_dir: Path) -> float:
    newest = (dbt_dir / "dbt_project.yml").stat().st_mtime
    for name in _PROJECT_DIRS:
        for root, _dirs, files in os.walk(dbt_dir / name):
            for f in files:
                newest = max(newest, os.stat(os.path.join(root, f)).st_mtime)
    return newest


def _is_fresh(dbt_dir: Path) -> bool:
    path = manifest_path(dbt_dir)
    return path.exists() and path.stat().st_mtime >= _newest_project_mtime(dbt_dir)


def fresh_manifest(dbt_dir: Path) -> Path | None:
    """The manifest if it exists and is newer than every project file, else None (with a warning saying how to
    rebuild it). Cheap: one stat per project file, no dbt import."""
    if _is_fresh(dbt_dir):
        return manifest_path(dbt_dir)
    log.warning("dbt manifest %s is missing or older than the project: cosmos parses the project itself "
                "(slower, snapshot refs not seen); run `make dbt-manifest`", manifest_path(dbt_dir))  # fmt: skip
    return None


def build_manifest(dbt_dir: Path) -> Path:
    """`dbt parse` into a scratch target, then move the manifest into place atomically (a DAG parse running at
    the same time sees the old file or the new one, never half of one)."""
    dbt = Path(sys.executable).with_name("dbt")
    target = manifest_path(dbt_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="parse-", dir=target.parent))
    try:
        cmd = [str(dbt), "parse", "--quiet", "--project-dir", str(dbt_dir), "--profiles-dir", str(dbt_dir),
               "--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs")]  # fmt: skip
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=dbt_dir)
        built = scratch / "target" / "manifest.json"
        if res.returncode != 0 or not built.exists():
            raise RuntimeError(f"dbt parse failed in {dbt_dir} (fix the model it names, then rerun "
                               f"`make dbt-manifest`):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")  # fmt: skip
        os.replace(built, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def ensure_manifest(dbt_dir: Path) -> tuple[Path, bool]:
    """(path, rebuilt): rebuild only when missing or stale."""
    if _is_fresh(dbt_dir):
        return manifest_path(dbt_dir), False
    return build_manifest(dbt_dir), True


def main(argv: list[str] | None = None) -> int:
    from milestones.paths import get_paths

    parser = argparse.ArgumentParser(prog="python -m milestones.dbt_manifest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--dbt-dir", type=Path, default=None, help="dbt project (default: the checkout's dbt/)")
    parser.add_argument("--check", action="store_true", help="only report; exit 1 when missing or stale")
    args = parser.parse_args(argv)
    dbt_dir = (args.dbt_dir or get_paths().dbt_project).resolve()
    if args.check:
        path = fresh_manifest(dbt_dir)
        print(f"{'fresh' if path else 'missing or stale'}: {manifest_path(dbt_dir)}")
        return 0 if path else 1
    started = time.perf_counter()
    try:
        path, rebuilt = ensure_manifest(dbt_dir)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"dbt manifest {'rebuilt in %.1f s' % (time.perf_counter() - started) if rebuilt else 'up to date'}: "
          f"{path}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
