#!/usr/bin/env bash
# Installs the pinned JS dependencies into ./node_modules (no lock file).
# Re-installs only when node_modules is missing or was installed from a
# different package.json (a copy of it is kept as the install stamp).
# Idempotent and quiet; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

stamp=node_modules/.bpvc-installed
if cmp -s package.json "$stamp"; then
  exit 0
fi
if ! log=$(npm install --no-package-lock --no-audit --no-fund \
             --loglevel=error 2>&1); then
  printf '%s\n' "$log" >&2
  echo "setup.sh: npm install failed" >&2
  exit 1
fi
cp package.json "$stamp"
