#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests of the report (npm run test:browser) and the
# report benchmark, when it is missing. Idempotent and non-interactive; playwright-core drives
# this system browser and downloads none of its own. LEASH_CHROMIUM names another executable.
set -euo pipefail

CHROMIUM="${LEASH_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "chromium is missing and this user cannot install it: run as root, or set LEASH_CHROMIUM" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo installed)"
