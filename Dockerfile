# The production image: one image for the app (daphne), the Celery worker and Celery beat.
# Build: docker build -t cplatform .   Run: see compose.yaml and docs/operations.md.

# --- the pages' CSS comes from npm (runtime dependencies only: no firebase-tools) -------------------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- the application ------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Runtime requirements only (requirements-dev.txt holds the test tools and the emulators' parts).
COPY requirements.txt ./
RUN pip install --no-compile -r requirements.txt

COPY --from=assets /build/node_modules/@picocss ./node_modules/@picocss
COPY manage.py ./
COPY cplatform ./cplatform
COPY authentication ./authentication
COPY courses ./courses
COPY payments ./payments
COPY messaging ./messaging
COPY content ./content
COPY middlewares ./middlewares
COPY firestore_operations ./firestore_operations
COPY templates ./templates
COPY static ./static

# Static files are collected at build time (WhiteNoise serves them); the key is only for this step.
RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app

# Never root: the processes only read the code and write nothing to disk.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# The worker and beat use the same image with another command (compose.yaml):
#   celery -A cplatform worker --loglevel INFO      celery -A cplatform beat --loglevel INFO
ENTRYPOINT ["daphne", "-b", "0.0.0.0", "-p", "8000", "cplatform.asgi:application"]
