"""Synthetic text-only portfolios for scale runs (1k–50k contracts), written by the sample-contract generator.

Why: the bench needs portfolios far larger than the 36 bundled samples to show how each nightly stage
grows with size. Every contract comes from `extractors.samples` builders (the same clause wording, date
placement and hard negatives as the sample portfolio), rendered as TXT only so generating 50k stays cheap.
Synthetic, development data; nothing is read from CUAD. Each contract has its own seeded random stream, so
the first N contracts of a larger portfolio equal the N-contract portfolio, and a folder is reused when its
stamp (count, seed, as_of, generator version) matches.

    python -m milestones.scale --out data/bench/scale/10000 --count 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractors.errors import MilestonesError

__all__ = [
    "ScaleContract",
    "KINDS",
    "GENERATOR_VERSION",
    "get_scale_contracts",
    "write_portfolio",
    "change_contracts",
    "main",
]

GENERATOR_VERSION = "1"
KINDS = ("msa", "sow", "sla", "saas", "supply", "consulting", "license", "maintenance", "lease", "dpa",
         "distribution", "services")  # fmt: skip — standalone kinds (no parent contract needed)
DEFAULT_AS_OF = dt.date(2026, 12, 1)
DEFAULT_SEED = 11
STAMP = ".scale.json"

_WORDS_A = ("Amber", "Birch", "Cedar", "Delta", "Ember", "Falcon", "Garnet", "Heron", "Iris", "Jade", "Kite",
            "Linden", "Maple", "Nova", "Onyx", "Prairie", "Quill", "Raven", "Sable", "Timber", "Upland",
            "Vale", "Willow", "Yarrow", "Zinc")  # fmt: skip
_WORDS_B = ("Harbor", "Ridge", "Meadow", "Summit", "Brook", "Crest", "Field", "Gate", "Point", "Stone",
            "Bay", "Grove", "Hill", "Lake", "Park", "Run", "Vista", "Wood")  # fmt: skip
_TRADES = ("Logistics", "Software", "Analytics", "Facilities", "Engineering", "Supply", "Media", "Health Services",
           "Consulting", "Manufacturing", "Telecom", "Security", "Packaging", "Energy", "Foods")  # fmt: skip
_FORMS = (("Inc.", "a Delaware corporation"), ("LLC", "a Texas limited liability company"),
          ("Corp.", "a New York corporation"), ("LLC", "an Ohio limited liability company"),
          ("Co.", "an Oregon corporation"))  # fmt: skip
_STREETS = ("Main Street", "Market Street", "Oak Avenue", "Commerce Drive", "Lakeview Road", "Industrial Way")
_CITIES = ("Denver, Colorado 80202", "Austin, Texas 78701", "Columbus, Ohio 43215", "Portland, Oregon 97205",
           "Albany, New York 12207", "Tampa, Florida 33602")  # fmt: skip


@dataclass(frozen=True)
class ScaleContract:
    """One generated contract: its id (the file stem), kind and the TXT bytes to write."""

    contract_id: str
    kind: str
    data: bytes


def _counterparty(index: int) -> tuple[str, str, str, str]:
    """A distinct fictional company per index: (name, stem fragment, description, address)."""
    rng = random.Random(f"scale-party:{index}")
    a, b, trade = rng.choice(_WORDS_A), rng.choice(_WORDS_B), rng.choice(_TRADES)
    suffix, desc = rng.choice(_FORMS)
    address = f"{100 + index % 9800} {rng.choice(_STREETS)}, {rng.choice(_CITIES)}"
    return (f"{a} {b} {trade} {suffix}", f"{a}-{b}-{index}".lower(), desc, address)


def _build(index: int, seed: int, as_of: dt.date, variant: int = 0) -> ScaleContract:
    from extractors.samples.kinds import Spec, build_contract
    from extractors.samples.parties import HOME_ENTITIES
    from extractors.samples.render import _txt

    kind = KINDS[index % len(KINDS)]
    rng = random.Random(f"{seed}:{index}:{kind}" + (f":v{variant}" if variant else ""))
    home = HOME_ENTITIES[1] if rng.random() < 0.15 else HOME_ENTITIES[0]
    contract = build_contract(Spec(index, kind, "txt", None, False), rng, as_of, home, _counterparty(index), None)
    return ScaleContract(f"scale-{index:06d}-{kind}", kind, _txt(contract))


def get_scale_contracts(
    count: int, *, seed: int = DEFAULT_SEED, as_of: dt.date = DEFAULT_AS_OF, start: int = 0
) -> Iterator[ScaleContract]:
    """Contracts ``start`` … ``count - 1`` of the portfolio defined by (seed, as_of)."""
    if count < 1 or start < 0:
        raise MilestonesError(f"count must be >= 1 and start >= 0 (got count={count}, start={start})")
    for index in range(start, count):
        yield _build(index, seed, as_of)


def _stamp(count: int, seed: int, as_of: dt.date) -> dict[str, object]:
    return {"count": count, "seed": seed, "as_of": as_of.isoformat(), "generator": GENERATOR_VERSION}


def write_portfolio(
    out_dir: str | Path, count: int, *, seed: int = DEFAULT_SEED, as_of: dt.date = DEFAULT_AS_OF
) -> Path:
    """Write ``count`` TXT contracts into ``out_dir`` (reused as is when its stamp matches); return the folder.

    A folder holding files this generator did not write is refused rather than overwritten.
    """
    out = Path(out_dir)
    stamp_path = out / STAMP
    want = _stamp(count, seed, as_of)
    if stamp_path.exists() and json.loads(stamp_path.read_text()) == want:
        return out
    out.mkdir(parents=True, exist_ok=True)
    foreign = [p.name for p in out.iterdir() if p.name != STAMP and not p.name.startswith("scale-")]
    if foreign:
        raise MilestonesError(f"{out} holds files the scale generator did not write ({', '.join(foreign[:3])}); "
                              "choose an empty folder")  # fmt: skip
    stamp_path.unlink(missing_ok=True)
    for old in out.glob("scale-*.txt"):
        old.unlink()
    for c in get_scale_contracts(count, seed=seed, as_of=as_of):
        (out / f"{c.contract_id}.txt").write_bytes(c.data)
    stamp_path.write_text(json.dumps(want))
    return out


def change_contracts(
    inbox: str | Path, fraction: float, *, seed: int = DEFAULT_SEED, as_of: dt.date = DEFAULT_AS_OF, variant: int = 1
) -> list[str]:
    """Replace a seeded ``fraction`` of the portfolio's files with a regenerated version (other dates, amounts,
    wording) — what a nightly run sees when contracts are amended. Returns the changed contract ids.

    Files are replaced (unlink + write), never edited in place, so a hard-linked copy elsewhere keeps its bytes.
    """
    folder = Path(inbox)
    stamp_path = folder / STAMP
    if not stamp_path.exists():
        raise MilestonesError(f"{folder} is not a scale portfolio (no {STAMP}); write one with write_portfolio")
    stamp = json.loads(stamp_path.read_text())
    if not 0 < fraction <= 1:
        raise MilestonesError(f"fraction must be in (0, 1], got {fraction}")
    count = int(stamp["count"])
    picked = sorted(random.Random(f"{seed}:change:{variant}").sample(range(count), max(1, round(count * fraction))))
    changed = []
    for index in picked:
        c = _build(index, seed, as_of, variant=variant)
        target = folder / f"{c.contract_id}.txt"
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(c.data)
        os.replace(tmp, target)  # a new inode: hard links to the old bytes are untouched
        changed.append(c.contract_id)
    stamp["changed"] = {"variant": variant, "fraction": fraction, "count": len(changed)}
    tmp = stamp_path.with_name(STAMP + ".tmp")
    tmp.write_text(json.dumps(stamp))
    os.replace(tmp, stamp_path)  # the stamp may be hard-linked too: the pristine portfolio stays reusable
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m milestones.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write the TXT contracts into")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF)
    args = parser.parse_args(argv)
    try:
        out = write_portfolio(args.out, args.count, seed=args.seed, as_of=args.as_of)
    except MilestonesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.count} contracts in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
