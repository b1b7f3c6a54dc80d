# Avatar Creator: one image for every role (API replica, worker, one-shot migrate). See docs/deploy.md.
# Build: docker build -t avatar-creator .   Run: docker run -p 8000:8000 -v avatar-data:/data avatar-creator

# Stage 1: build a virtual environment with the package and its runtime dependencies (wheels only, no compiler).
FROM python:3.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY avatar_creator ./avatar_creator
# The project itself, whose dependencies pyproject.toml pins; the s3 extra: AVATAR_STORAGE=s3 (compose.yaml) needs boto3.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[s3]"

# Stage 2: the runtime: the venv, cairo for the offline provider's SVG avatars, a non-root user, data under a volume.
FROM python:3.12-slim-bookworm
# Debian stable's security updates replace exact versions, so the package is not pinned to one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcairo2 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 avatar \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin avatar \
    && mkdir -p /data \
    && chown avatar:avatar /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    AVATAR_DATA_DIR=/data
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Liveness only (/health): readiness (/health/ready) depends on the database and Redis, which an orchestrator checks
# separately. The slim image has no curl, so Python asks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["avatar-creator", "serve", "--host", "0.0.0.0", "--port", "8000"]
