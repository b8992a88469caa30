#!/usr/bin/env bash
# Creates the project-local Python venv (.venv) that holds the Python tools the tests shell out to:
#   cfn-lint      lints the synthesized CloudFormation template (test/cdk)
#   moto[server]  a loopback AWS API for the integration tests (STYLE.md §7)
# Idempotent: when .venv already has exactly these pins it exits in well under a second, so it is
# safe to run before every `npm test`. Progress goes to stderr; stdout stays empty.
#
# Usage: bash scripts/setup-python-env.sh        (PYTHON=python3.12 to pick another interpreter)
set -euo pipefail

# Bump a pin here and the next run reinstalls; the stamp file below records what was installed.
readonly PINS=(
  'cfn-lint==1.58.0'
  'moto[server]==5.2.5'
)
# cfn-lint 1.x and moto 5.x both require Python 3.9 or newer.
readonly MIN_PYTHON='3.9'

cd "$(dirname "$0")/.."
readonly VENV='.venv'
readonly STAMP="$VENV/.leash-pins"
readonly PYTHON="${PYTHON:-python3}"
readonly WANTED="${PINS[*]}"

log() { printf '[setup-python-env] %s\n' "$*" >&2; }

# A venv whose interpreter no longer starts (its base Python was removed or upgraded) cannot be
# repaired in place, so it is rebuilt from scratch.
venv_works() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' 2>/dev/null; }

if venv_works && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANTED" ]; then
  exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  log "error: '$PYTHON' not found; install Python >= $MIN_PYTHON or set PYTHON=/path/to/python3"
  exit 1
fi
if ! "$PYTHON" -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$MIN_PYTHON'.split('.'))))"; then
  log "error: $("$PYTHON" --version 2>&1) is too old; cfn-lint and moto need Python >= $MIN_PYTHON"
  exit 1
fi

if ! venv_works; then
  log "creating $VENV with $("$PYTHON" --version 2>&1)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

log "installing ${WANTED} (about 30 s on a fresh venv)"
# Progress bars and pip's self-update check only add noise to test logs.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${PINS[@]}" >&2

# Written last, so an interrupted install is retried on the next run instead of being trusted.
printf '%s' "$WANTED" >"$STAMP"
log "ready: $("$VENV/bin/cfn-lint" --version 2>&1), moto $("$VENV/bin/python" -c 'import moto; print(moto.__version__)')"
