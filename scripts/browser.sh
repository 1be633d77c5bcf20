#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the browser tests (never a test tool's own browser
# download). Idempotent: does nothing when both are installed.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "browser.sh: run as root to install chromium" >&2; exit 1; }
echo "browser: installing chromium and chromium-driver from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null
apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
