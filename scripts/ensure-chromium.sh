#!/usr/bin/env bash
# Headless Chromium for the explorer's browser tests and `npm run bench:ui`: Debian's `chromium` package
# (browser downloads such as `npx playwright install` are impossible offline; the Debian mirror is reachable).
# Does nothing when /usr/bin/chromium (or $CHROMIUM_PATH) already exists. Needs root or sudo to install.
set -euo pipefail
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ -x $chromium ]]; then
  echo "chromium: $chromium"
  exit 0
fi
sudo=""
[[ $(id -u) == 0 ]] || sudo=sudo
echo "installing Debian's chromium package" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: $chromium"
