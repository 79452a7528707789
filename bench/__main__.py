"""``python -m bench [name …]``: run every benchmark module (or the named ones) in turn; a
module that misses its target says so and the run goes on, exiting non-zero at the end."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench
from services import contexts

SKIP = {"__main__", "bare", "common"}


def main() -> None:
    contexts.install()  # the benchmarks run the registered contexts, as `tongxin` does
    wanted = set(sys.argv[1:])
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in SKIP)
    unknown = wanted - set(names)
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(names)}")
    missed = []
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main()
        except SystemExit as exc:
            if exc.code not in (None, 0):
                print(f"!! bench.{name}: {exc.code}", flush=True)
                missed.append(name)
    if missed:
        sys.exit(f"targets missed in: {', '.join(missed)}")


if __name__ == "__main__":
    main()
