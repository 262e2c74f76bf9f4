#!/usr/bin/env bash
# Deploy (or roll back to) one image tag on this server: pull it, apply migrations, restart what changed,
# wait until the API and NGINX are healthy, and record the tag in .env so a reboot runs the same version.
#   deploy/scripts/deploy.sh <commit-sha>        (CI calls it over SSH after pushing the image)
#   deploy/scripts/deploy.sh                     (re-apply the tag already in .env, e.g. after a config change)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f .env ] || { echo "no .env here: copy .env.example and fill in the secrets" >&2; exit 1; }
tag="${1:-$(sed -n 's/^SIGHTSEARCH_TAG=//p' .env)}"
[[ "${tag}" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "bad image tag: '${tag}'" >&2; exit 1; }
export SIGHTSEARCH_TAG="${tag}"
compose=(docker compose -f docker-compose.yml -f docker-compose.prod.yml)

"${compose[@]}" pull --quiet
"${compose[@]}" up -d --remove-orphans

# The migrations service runs to completion before anything else starts (depends_on); wait for the edge.
deadline=$((SECONDS + 300))
for service in api nginx; do
  until [ "$(docker inspect --format '{{.State.Health.Status}}' "$("${compose[@]}" ps -q "${service}")")" = healthy ]; do
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      echo "${service} is not healthy after 300 s; logs: ${compose[*]} logs ${service}" >&2
      exit 1
    fi
    sleep 3
  done
done

if grep -q '^SIGHTSEARCH_TAG=' .env; then
  sed -i "s/^SIGHTSEARCH_TAG=.*/SIGHTSEARCH_TAG=${tag}/" .env
else
  echo "SIGHTSEARCH_TAG=${tag}" >> .env
fi
docker image prune -f --filter "until=168h" > /dev/null
echo "deployed ${SIGHTSEARCH_IMAGE:-ghcr.io/sightsearch/sightsearch}:${tag}"
