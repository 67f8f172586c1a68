#!/usr/bin/env bash
# The browser tests drive Debian's chromium through Playwright (executable_path); no browser download.
set -euo pipefail
for candidate in "${VEILLE_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
echo "chromium is missing (the browser tests need it); installing Debian's chromium with apt..."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
if command -v apt-get >/dev/null && $SUDO true 2>/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
else
  echo "Cannot install chromium here: install it (apt-get install chromium) or set VEILLE_CHROMIUM, then run make again." >&2
  exit 1
fi
