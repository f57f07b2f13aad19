#!/usr/bin/env bash
# Debian packages the service needs at run time: Pango for WeasyPrint's PDFs, HarfBuzz's
# subsetter (fonts are subset several times faster with it) and one local font family; with
# --test also what the tests drive: chromium (the browser test of /docs), nginx and Redis (the
# three-replica cluster).
# Installs only what is missing; needs root (or sudo) and apt-get.
set -euo pipefail

PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
[ "${1:-}" = "--test" ] && PACKAGES+=(chromium nginx redis-server)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
    echo "Please install: ${missing[*]} (Debian/Ubuntu package names)" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
