"""How long `python dags/<each>.py` takes, the way a DAG processor pays it: a fresh interpreter per file.

    python -m milestones.parse_times [--runs 3] [--limit 2.0]

Prints best and worst wall seconds per DAG file and exits 1 when a file does not parse or its best run is over
the limit (the budget of issue #2: no top-level work in DAG files).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from .paths import PROJECT_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m milestones.parse_times", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="fresh interpreters per file (default 3)")
    parser.add_argument("--limit", type=float, default=2.0, help="seconds a file's best run may take (default 2)")
    args = parser.parse_args(argv)
    over = []
    for path in sorted((PROJECT_ROOT / "dags").glob("*.py")):
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            res = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
            runs.append(time.perf_counter() - started)
            if res.returncode != 0:
                print(f"{path.name} does not parse (run `{sys.executable} {path}`):\n{res.stderr[-2000:]}")
                return 1
        print(f"{path.name:24} best {min(runs):.2f} s  worst {max(runs):.2f} s", flush=True)
        if min(runs) > args.limit:
            over.append(path.name)
    if over:
        print(f"over {args.limit:.1f} s: {', '.join(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
