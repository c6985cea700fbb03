#!/usr/bin/env bash
# Installs the Debian packages stratfarm needs when run as root; otherwise
# prints the exact apt-get line. --quiet: say nothing when all is present.
set -euo pipefail
PKGS=(build-essential pkg-config git libhiredis-dev libpq-dev libyaml-dev
      libjansson-dev libcurl4-openssl-dev libgit2-dev libmicrohttpd-dev
      redis-server redis-tools postgresql postgresql-client tzdata
      prometheus chromium wrk clang python3-jsonschema)
# prometheus: promtool checks /metrics in the tests; chromium: the status
# page is loaded headless in the tests; wrk: `make bench` loads the API;
# clang: the libFuzzer targets (fuzz/); python3-jsonschema: the schema test.
missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    [ "${1:-}" = "--quiet" ] || echo "deps: all ${#PKGS[@]} packages present"
    exit 0
fi
line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
    echo "deps: missing packages; run as root:" >&2
    echo "  apt-get update && $line" >&2
    exit 1
fi
