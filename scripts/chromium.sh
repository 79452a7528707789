#!/usr/bin/env bash
# The scorecard page is checked in a real headless Chromium (Debian's package) with CJK fonts.
# Installs them when missing and we may (root with apt-get); otherwise the test says what it lacks.
set -u
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian's chromium and CJK fonts for the scorecard page test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
else
  echo "!! chromium is not installed and cannot be installed here" >&2
fi
exit 0
