#!/bin/sh
# Runs first in `npm test` (pretest): the console's browser test drives Debian's Chromium through playwright-core,
# never a browser download. Present: nothing to do. Missing: root installs Debian's package; anyone else is stopped
# at once with the command to run, rather than minutes later by a failed launch inside the test run.
# Usage: sh tools/ensure-chromium.sh [path]   (default /usr/bin/chromium, the executablePath the test uses)
set -eu
chromium="${1:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "npm test needs Chromium at $chromium for the console's browser test (test/console/console.browser.test.ts)," >&2
    echo "and this machine has no apt-get: install Chromium so that $chromium starts it (for example a symbolic link)." >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "npm test needs Debian's chromium at $chromium for the console's browser test. Install it, then run npm test again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium" >&2
    exit 1
fi

echo "Installing Debian's chromium for the console's browser test (once per machine)..." >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet (install would not find chromium), so update first.
apt-get update -q
apt-get install -y -q --no-install-recommends chromium
if [ ! -x "$chromium" ]; then
    echo "apt-get installed chromium, but $chromium is still not there: the console's browser test cannot start it." >&2
    exit 1
fi
