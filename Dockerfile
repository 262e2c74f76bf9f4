# syntax=docker/dockerfile:1
# One image for every role (api, worker, beat, flower, consumer, migrations): the role is the command.
#   docker build -t sightsearch .            docker run --rm sightsearch --help
# Base images are pinned to a patch release; pin them by digest too when your registry mirror allows it.

# --- Stage 1: the console (React + Vite), built with Node. Vite writes it into the Python package
# (src/sightsearch/api/console_dist, served at / by the API); only those static files reach the runtime image.
FROM node:22.12.0-bookworm-slim AS console
WORKDIR /build/console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console/ ./
RUN npm run build

# --- Stage 2: the Python package and its pinned dependencies, installed into a venv that is copied as is.
FROM python:3.11.11-slim-bookworm AS python-build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src/ src/
COPY --from=console /build/src/sightsearch/api/console_dist src/sightsearch/api/console_dist
RUN /opt/venv/bin/pip install ".[postgres,kafka,browser,api,distributed,export]"

# --- Stage 3: the runtime. Chromium and its driver come from Debian (the render worker); never downloaded at run time.
FROM python:3.11.11-slim-bookworm AS runtime
# Debian package versions are not pinned: the pinned base release fixes the suite, and security updates must apply.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium chromium-driver curl tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 sightsearch \
    && useradd --system --uid 10001 --gid sightsearch --home-dir /var/lib/sightsearch --create-home sightsearch \
    && install -d -o 10001 -g 10001 /var/lib/sightsearch/state
COPY --from=python-build /opt/venv /opt/venv
COPY deploy/healthcheck.py /opt/sightsearch/healthcheck.py
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SIGHTSEARCH_ROLE=api \
    SIGHTSEARCH_DATA_DIR=/var/lib/sightsearch/state \
    SIGHTSEARCH_API_PORT=8000
WORKDIR /var/lib/sightsearch
USER 10001:10001
EXPOSE 8000 5555
# Role-aware: the API answers /health, Flower /healthcheck, a worker a Celery ping, beat and the consumer
# reach their broker (deploy/healthcheck.py).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "/opt/sightsearch/healthcheck.py"]
ENTRYPOINT ["tini", "--", "sightsearch"]
CMD ["serve", "--host", "0.0.0.0", "--no-migrate"]

# --- Stage 4 (docker-compose.dev.yml only): the runtime plus watchfiles, which restarts a role when src/ changes.
FROM runtime AS dev
USER 0
RUN /opt/venv/bin/pip install --no-cache-dir watchfiles==1.1.1
USER 10001:10001
