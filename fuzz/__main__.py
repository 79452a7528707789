"""``python -m fuzz [postgres|sqlite]``: the long schemathesis run of ``make fuzz``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fuzz import Budget, run, scratch


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument("backend", nargs="?", default="postgres", choices=["postgres", "sqlite"])
    parser.add_argument("--max-examples", type=int, default=20, help="per operation and phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phases", default=Budget(1).phases)
    parser.add_argument("--seed", type=int)
    # With the start (migrations, the server, loading the schema) the whole under 10 minutes.
    parser.add_argument("--max-time", type=int, default=450, help="seconds for schemathesis")
    parser.add_argument("--roles", default="admin,staff", help="who calls, one pass each")
    args = parser.parse_args()
    roles = tuple(args.roles.split(","))
    budget = Budget(args.max_examples, args.phases, args.workers, args.seed, args.max_time, roles)
    with scratch() as workdir:
        outcome = run(args.backend, budget, Path(workdir))
    print(outcome.output)
    for error in outcome.server_errors:
        print(f"server: {error}")
    print(f"fuzz: {args.backend}, {budget}, exit {outcome.exit_code}, {outcome.seconds:.0f} s")
    sys.exit(outcome.exit_code or (1 if outcome.server_errors else 0))


if __name__ == "__main__":
    main()
