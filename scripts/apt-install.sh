#!/usr/bin/env bash
# Install the given Debian packages (the callers pass only the missing ones); needs root or sudo.
set -euo pipefail
[ $# -eq 0 ] && exit 0
echo "installing Debian packages: $*"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@"
