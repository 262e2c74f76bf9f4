#!/usr/bin/env bash
# A throwaway self-signed certificate for DOMAIN and *.DOMAIN, laid out like Let's Encrypt's
# (deploy/certs/live/DOMAIN/{fullchain,privkey}.pem), for docker-compose.dev.yml. Never for production.
#   deploy/scripts/self-signed-cert.sh [DOMAIN]      (default sightsearch.localhost)
set -euo pipefail
domain="${1:-sightsearch.localhost}"
folder="$(cd "$(dirname "$0")/.." && pwd)/certs/live/${domain}"
mkdir -p "${folder}"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=${domain}" \
  -addext "subjectAltName=DNS:${domain},DNS:*.${domain}" \
  -keyout "${folder}/privkey.pem" -out "${folder}/fullchain.pem" 2>/dev/null
chmod 644 "${folder}/fullchain.pem" "${folder}/privkey.pem"  # read by the nginx container's user
echo "self-signed certificate for ${domain} and *.${domain} in ${folder} (valid 30 days)"
