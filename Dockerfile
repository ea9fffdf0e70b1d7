# One image for every app process: the API (default CMD), the one-off migrate/seed job and the
# standalone dashboard (`python -m dashboard.app`). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Chinese glyphs for server-rendered charts (the slim image ships no CJK fonts).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 yingji \
    && useradd --system --uid 10001 --gid yingji --create-home --home-dir /home/yingji yingji

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that code changes do not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project: packages app, dashboard, migrations, seed plus alembic.ini (for the alembic CLI).
# .dockerignore keeps .venv, data/, tests and caches out.
COPY . .
RUN pip install . \
    && rm -rf build ./*.egg-info \
    && mkdir -p /app/data \
    && chown yingji:yingji /app/data

# Listen on all interfaces inside the container (both `serve` and the standalone dashboard read
# HOST); DATA_DIR only matters if no DATABASE_URL is given (SQLite fallback).
ENV HOST=0.0.0.0 \
    DATA_DIR=/app/data

USER yingji

EXPOSE 8000

# No curl in the slim image; a 503 (database unreachable or schema behind) raises and fails the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health/ready', timeout=4)"]

CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-seed"]
