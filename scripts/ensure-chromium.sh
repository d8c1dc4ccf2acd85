#!/usr/bin/env bash
# The viewer's browser test drives Debian's chromium. Costs nothing when it is there. Otherwise,
# on a Debian machine we are root on, installs chromium and the packages it depends on, nothing
# else (no recommended packages, no upgrades of installed ones), waiting for another apt or dpkg
# process to let go of its lock rather than failing. Elsewhere, says what to install and fails.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser test (apt-get install chromium)" >&2
  apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq "$@" >&2; }
  # The package lists are fetched only when they do not know chromium yet.
  if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then apt_get update; fi
  apt_get install -y --no-install-recommends --no-upgrade chromium
  exit 0
fi
echo "the browser test needs Debian's chromium at /usr/bin/chromium: sudo apt-get install -y chromium" >&2
exit 1
