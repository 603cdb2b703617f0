#!/usr/bin/env bash
# Installs the proxy servers the proxy e2e tests go through, from Debian's packages:
# tinyproxy (HTTP, CONNECT), microsocks (SOCKS5) and socat (TLS in front of tinyproxy, for an
# https:// proxy). Idempotent; needs root (or sudo) and apt-get.
set -euo pipefail
missing=()
command -v tinyproxy >/dev/null || missing+=(tinyproxy)
command -v microsocks >/dev/null || missing+=(microsocks)
command -v socat >/dev/null || missing+=(socat)
[[ ${#missing[@]} -eq 0 ]] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "proxies.sh: install ${missing[*]} (no apt-get here)" >&2
  exit 1
fi
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "proxies.sh: installing ${missing[*]} with apt-get" >&2
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
  { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
