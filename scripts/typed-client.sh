#!/usr/bin/env bash
# Installs the pinned npm tools of the typed-client test (tests/typed_client: openapi-typescript
# and typescript, versions in its package-lock.json) into its own git-ignored node_modules, once,
# and again only when the lock file changes. Needs node and npm.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tests/typed_client"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "!! node and npm are needed for the typed-client test" >&2
  exit 2
fi
stamp="$dir/node_modules/.installed-lock"
if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json"; then
  exit 0
fi
echo "== installing the typed-client tools (npm ci in tests/typed_client)"
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
cp "$dir/package-lock.json" "$stamp"
