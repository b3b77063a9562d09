"""The bundled sample portfolio: synthetic contracts (PDF, DOCX, TXT) with ground truth written beside them.

Development data, not held out: the demo, the end-to-end tests and the obligation-extraction evaluation run
on it. Everything is derived from ``(as_of, seed)``: the same pair gives byte-identical files, and every
deadline is placed relative to ``as_of`` so the demo always has overdue, upcoming and later items.

    milestones samples --out extractors/samples --as-of 2026-12-01          # regenerate the committed copy
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MilestonesError
from .kinds import build_contract, plan_for
from .model import Contract
from .parties import COUNTERPARTIES, HOME_ENTITIES
from .render import render

__all__ = [
    "DEFAULT_AS_OF", "DEFAULT_SEED", "DEFAULT_COUNT", "PORTFOLIO_DIR", "TRUTH_DIR", "SampleContract",
    "generate_portfolio", "generate_main", "truth_record", "normalize_for_match", "find_source_span", "load_truth",
]  # fmt: skip

DEFAULT_AS_OF = dt.date(2026, 12, 1)
DEFAULT_SEED = 7
DEFAULT_COUNT = 36
HERE = Path(__file__).resolve().parent
PORTFOLIO_DIR = HERE / "portfolio"
TRUTH_DIR = HERE / "truth"
MIN_COUNT = 16  # the plan's amendments and letters need their parents


@dataclass(frozen=True)
class SampleContract:
    """One written contract: where its file and truth landed, and the in-memory model it came from."""

    contract_id: str
    path: Path
    truth_path: Path
    fmt: str
    kind: str
    contract: Contract


def normalize_for_match(text: str) -> str:
    """Text as compared with ``source_text``: a PDF line-end hyphen rejoined, whitespace runs collapsed."""
    text = text.replace("\ufffe", "-").replace("-\n", "-")
    return re.sub(r"\s+", " ", text).strip()


def find_source_span(text: str, source_text: str) -> tuple[int, int] | None:
    """Offsets of ``source_text`` in a document's text, allowing the line breaks and line-end hyphen breaks a
    PDF text layer adds; None when it is not there. Evaluations use this to turn truth into spans."""
    tokens = source_text.split()
    if not tokens:
        return None
    parts = [re.escape(tok).replace("\\-", "-\\s*") for tok in tokens]
    m = re.search(r"\s+".join(parts), text)
    return (m.start(), m.end()) if m else None


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def truth_record(sc: Contract, as_of: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {
        "contract_id": sc.contract_id,
        "file": f"{sc.contract_id}.{sc.fmt}",
        "format": sc.fmt,
        "as_of": as_of.isoformat(),
        "title": sc.title,
        "parties": [{"name": p.name, "role": p.role} for p in sc.parties],
        "counterparty": sc.parties[1].name,
        "contract_type": sc.contract_type,
        "key_dates": {k: _iso(v) for k, v in sc.key_dates.items()},
        "obligations": [o.to_dict() for o in sc.obligations],
    }
    if sc.sla_terms is not None:
        out["sla_terms"] = sc.sla_terms
    if sc.amends is not None:
        out["amends"] = sc.amends
    return out


def generate_portfolio(out_dir: str | Path, as_of: dt.date = DEFAULT_AS_OF, count: int = DEFAULT_COUNT,
                       seed: int = DEFAULT_SEED) -> list[SampleContract]:
    """Write ``count`` contracts to ``out_dir/portfolio`` and their truth to ``out_dir/truth``.

    Contracts and truth from an earlier run there are replaced; a portfolio folder holding any file without a
    truth record (someone else's contracts) is refused rather than overwritten.
    """
    if count < MIN_COUNT:
        raise MilestonesError(f"--count must be at least {MIN_COUNT} (the plan's amendments need their parents); got {count}")
    if not isinstance(as_of, dt.date):
        raise MilestonesError(f"as_of must be a date, got {as_of!r}; pass --as-of YYYY-MM-DD")
    out = Path(out_dir)
    pdir, tdir = out / "portfolio", out / "truth"
    foreign = [f.name for f in (sorted(pdir.iterdir()) if pdir.is_dir() else [])
               if f.is_file() and not (tdir / f"{f.stem}.json").exists()]
    if foreign:
        raise MilestonesError(f"{pdir} holds files this generator did not write ({', '.join(foreign[:3])}); "
                              f"choose an empty --out folder so they are not overwritten")
    for d in (pdir, tdir):
        if d.exists():
            for f in d.iterdir():
                if f.is_file() and f.suffix in (".pdf", ".docx", ".txt", ".json"):
                    f.unlink()
        d.mkdir(parents=True, exist_ok=True)

    order = list(COUNTERPARTIES)
    random.Random(f"{seed}:counterparties").shuffle(order)
    built: dict[int, Contract] = {}
    written: list[SampleContract] = []
    ids: set[str] = set()
    for spec in plan_for(count):
        rng = random.Random(f"{seed}:{spec.index}:{spec.kind}")
        other_b = order[spec.index % len(order)]
        if spec.index >= len(order):  # a second round of the same names gets a distinct entity
            name, short, desc, addr = other_b
            other_b = (name.replace(",", "").rsplit(" ", 1)[0] + " Holdings LLC", f"{short}-{spec.index}", desc, addr)
        home_b = HOME_ENTITIES[1] if rng.random() < 0.15 else HOME_ENTITIES[0]
        parent = built.get(spec.parent) if spec.parent is not None else None
        contract = build_contract(spec, rng, as_of, home_b, other_b, parent)
        if contract.contract_id in ids:
            contract.contract_id = f"{contract.contract_id}-{spec.index}"
        ids.add(contract.contract_id)
        built[spec.index] = contract
        path = pdir / f"{contract.contract_id}.{contract.fmt}"
        render(contract, path)
        truth_path = tdir / f"{contract.contract_id}.json"
        truth_path.write_text(json.dumps(truth_record(contract, as_of), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(SampleContract(contract.contract_id, path, truth_path, contract.fmt, contract.kind, contract))
    return written


def load_truth(truth_dir: str | Path = TRUTH_DIR) -> list[dict[str, Any]]:
    """Every truth record in a folder, sorted by contract id."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(truth_dir).glob("*.json"))]


def generate_main(args: argparse.Namespace) -> int:
    """`milestones samples`: write the portfolio and print what was written per kind and format."""
    as_of = args.as_of or DEFAULT_AS_OF
    written = generate_portfolio(args.out, as_of, args.count, args.seed)
    from collections import Counter

    kinds = Counter(w.kind for w in written)
    fmts = Counter(w.fmt for w in written)
    obs = Counter(o.obligation_type for w in written for o in w.contract.obligations)
    print(f"wrote {len(written)} contracts to {Path(args.out) / 'portfolio'} (truth in {Path(args.out) / 'truth'}), "
          f"as_of {as_of.isoformat()}, seed {args.seed}")
    print("formats:     " + ", ".join(f"{k} {v}" for k, v in sorted(fmts.items())))
    print("kinds:       " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"obligations: {sum(obs.values())} (" + ", ".join(f"{k} {v}" for k, v in sorted(obs.items())) + ")")
    return 0
