#!/usr/bin/env bash
# The first Let's Encrypt certificate, once per server. NGINX cannot start without a certificate and certbot's
# webroot challenge needs NGINX, so: a one-day placeholder certificate first, NGINX up, the real one requested
# over the webroot, NGINX reloaded. Renewals afterwards are the certbot service's job.
#   deploy/scripts/first-certificate.sh            (reads DOMAIN and LETSENCRYPT_EMAIL from .env)
#   STAGING=1 deploy/scripts/first-certificate.sh  (Let's Encrypt staging: no rate limits, untrusted certificate)
set -euo pipefail
cd "$(dirname "$0")/../.."
# Read, not sourced: .env is compose's format, not shell's.
DOMAIN="$(sed -n 's/^DOMAIN=//p' .env)"
LETSENCRYPT_EMAIL="$(sed -n 's/^LETSENCRYPT_EMAIL=//p' .env)"
: "${DOMAIN:?set DOMAIN in .env}" "${LETSENCRYPT_EMAIL:?set LETSENCRYPT_EMAIL in .env}"
compose=(docker compose -f docker-compose.yml -f docker-compose.prod.yml)
live="/etc/letsencrypt/live/${DOMAIN}"

echo "placeholder certificate for ${DOMAIN}"
"${compose[@]}" run --rm --no-deps --entrypoint python3 certbot \
  /opt/sightsearch-certbot/placeholder_certificate.py "${DOMAIN}"

echo "starting the stack with the placeholder"
"${compose[@]}" up -d nginx

echo "requesting the real certificate"
"${compose[@]}" run --rm --no-deps --entrypoint sh certbot -c "rm -rf '${live}' \
  '/etc/letsencrypt/archive/${DOMAIN}' '/etc/letsencrypt/renewal/${DOMAIN}.conf'"
staging=()
[ "${STAGING:-0}" = "1" ] && staging=(--staging)
"${compose[@]}" run --rm --no-deps --entrypoint certbot certbot certonly --webroot -w /var/www/certbot \
  "${staging[@]}" --email "${LETSENCRYPT_EMAIL}" --agree-tos --no-eff-email --non-interactive \
  -d "${DOMAIN}" -d "app.${DOMAIN}" -d "api.${DOMAIN}" -d "flower.${DOMAIN}"

"${compose[@]}" exec nginx nginx -s reload
echo "certificate installed; the certbot service renews it"
