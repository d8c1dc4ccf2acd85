#!/usr/bin/env bash
# The viewer's browser test drives Debian's chromium. Installs it when it is missing and this
# is a Debian machine we are root on; otherwise says what to install and fails.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser test (apt-get install chromium)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  exit 0
fi
echo "the browser test needs Debian's chromium at /usr/bin/chromium: sudo apt-get install -y chromium" >&2
exit 1
