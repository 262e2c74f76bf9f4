#!/usr/bin/env bash
# Install the Debian packages `make deploy-check` runs, when they are missing: nginx (nginx -t and the TLS smoke
# test), docker-compose (compose config without an engine), openssl (throwaway certificates), redis-server (Flower's
# broker in the smoke test).
set -euo pipefail
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0
exec bash "$(dirname "$0")/../../scripts/apt-install.sh" "${need[@]}"
