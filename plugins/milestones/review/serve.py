"""`make review-app`: run the review app standalone with uvicorn.

Binds to 127.0.0.1 unless --host says otherwise. With no accounts configured (MILESTONES_REVIEW_USERS /
MILESTONES_REVIEW_TOKENS) and --demo-users, it creates three throwaway accounts (admin, reviewer, viewer)
with random passwords printed once — for trying the app on a laptop, refused on any other interface.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys

from extractors.errors import MilestonesError

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m milestones.review.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--demo-users", action="store_true",
                        help="when no accounts are configured: create admin/reviewer/viewer with random passwords")
    args = parser.parse_args(argv)
    from .auth import hash_password
    from .config import get_config

    if args.demo_users and not (os.environ.get("MILESTONES_REVIEW_USERS") or os.environ.get("MILESTONES_REVIEW_TOKENS")):
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print("--demo-users only on 127.0.0.1; configure MILESTONES_REVIEW_USERS for other hosts", file=sys.stderr)
            return 2
        entries = []
        print("demo accounts (this run only):", file=sys.stderr)
        for role in ("admin", "reviewer", "viewer"):
            pw = secrets.token_urlsafe(9)
            entries.append(f"{role}:{role}:{hash_password(pw)}")
            print(f"  {role:8} password {pw}", file=sys.stderr)
        os.environ["MILESTONES_REVIEW_USERS"] = ",".join(entries)
    try:
        config = get_config()
    except MilestonesError as exc:
        print(f"review app: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    from .app import create_app

    print(f"review app on http://{args.host}:{args.port}/queue — warehouse {config.warehouse} "
          f"(reads: {config.read_from})", file=sys.stderr)  # fmt: skip
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
