# syntax=docker/dockerfile:1
#
# postsale: one image for web (gunicorn), worker and beat (celery), and the
# one-shot migrate job; docker-compose.yml picks the command per service.

FROM python:3.11-slim

# No .pyc files or pip cache in the image (smaller, reproducible layers);
# unbuffered output so logs reach `docker logs` immediately.
# PYTHONPATH: the wheel built from pyproject.toml carries only .py files, so the
# source tree in /app (with templates and migrations) must win over site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Unprivileged runtime user; code stays root-owned so the app cannot modify it.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# Dependencies first, in their own layer, so code edits do not reinstall them:
# with only pyproject.toml present the project builds as an empty wheel that
# still pulls every dependency. (README.md* tolerates a missing README.)
# requirements.lock (the versions CI tested and audited) constrains every dependency.
COPY pyproject.toml requirements.lock README.md* ./
RUN pip install --constraint requirements.lock . && pip uninstall --yes postsale

# Now the project itself (.dockerignore keeps .venv, .git, var/ etc. out).
COPY . .
RUN pip install --no-deps . \
 && rm -rf build *.egg-info

# Collect (and compress/hash, via whitenoise) static files into STATIC_ROOT at
# build time so containers start without writing to the image. The throwaway
# key exists only for this RUN: without one, settings would generate and persist
# a key under var/ and bake it into the image.
# The unprivileged user owns the result: compose's migrate job collects into the
# volume Caddy serves from, which starts as a copy of this folder. (In this RUN: a
# chown -R in a later one would store every static file in the image twice.)
RUN SECRET_KEY=collectstatic-build-only-not-secret \
    DEBUG=false \
    python manage.py collectstatic --noinput \
    && chown -R app:app /app/staticfiles

# var/ is the only path the app writes to (settings create it at import; keep it
# writable for the unprivileged user). -R: collectstatic's import of the settings
# made var/celery/ (the file broker's folders) as root.
RUN mkdir -p /app/var && chown -R app:app /app/var

USER app

EXPOSE 8000

# Plain-http probe from inside the container: /healthz is exempt from the HTTPS
# redirect (SECURE_REDIRECT_EXEMPT). Host 127.0.0.1 must be allowed by ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Sync workers serve one request each: run this only behind a buffering proxy
# (Caddy in docker-compose.yml), never published directly, or a few slow clients
# hold every worker.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
