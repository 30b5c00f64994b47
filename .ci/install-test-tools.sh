#!/usr/bin/env bash
# Debian packages the SDK's reliability tests use: LibreOffice Calc (headless) renders a
# report to check that no cell evaluates, pdftotext reads the result. Idempotent: installs
# only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v mount >/dev/null 2>&1 || missing+=(mount)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-test-tools: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
