#!/usr/bin/env bash
# Debian packages the SDK's tests use: LibreOffice Calc (headless) renders a report to check
# that no cell evaluates, pdftotext reads the result; PostgreSQL 15 and MariaDB are the real
# servers the database source tests start (sdk/test/helpers/servers.ts). Idempotent: installs
# only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v mount >/dev/null 2>&1 || missing+=(mount)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
{ [ -x /usr/sbin/mariadbd ] && [ -x /usr/bin/mariadb-install-db ]; } || missing+=(mariadb-server)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-test-tools: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
