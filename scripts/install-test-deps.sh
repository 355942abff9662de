#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, from Debian's
# repositories: Chromium for the browser tests (Playwright cannot download its
# own here), tuspy (python3-tuspy) and curl as real tus clients.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium)
/usr/bin/python3 -c 'import tusclient' >/dev/null 2>&1 || missing+=(python3-tuspy)
command -v curl >/dev/null 2>&1 || missing+=(curl)

if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies: all present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "test dependencies: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
