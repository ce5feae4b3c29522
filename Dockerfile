# ShopDB container image: gunicorn on a slim Python, as a user without rights.
#
#   docker build -t shopdb .
#   docker compose up -d          (with MySQL 8; see docker-compose.yml and docs/DEPLOY.md)

# ---- build: wheels of ShopDB and its pinned dependencies -----------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY shopdb ./shopdb
RUN python -m venv /opt/shopdb/venv \
    && /opt/shopdb/venv/bin/pip install --constraint constraints.txt . \
    && /opt/shopdb/venv/bin/pip check

# ---- run -------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS run
ENV PATH="/opt/shopdb/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SHOPDB_ENV=production \
    SHOPDB_INSTANCE_PATH=/var/lib/shopdb \
    SHOPDB_BIND=0.0.0.0:8000
RUN groupadd --system --gid 10001 shopdb \
    && useradd --system --uid 10001 --gid shopdb --home-dir /var/lib/shopdb \
        --shell /usr/sbin/nologin shopdb \
    && mkdir -p /var/lib/shopdb \
    && chown shopdb:shopdb /var/lib/shopdb
COPY --from=build /opt/shopdb/venv /opt/shopdb/venv
COPY deploy/gunicorn.conf.py deploy/entrypoint.sh /opt/shopdb/deploy/
WORKDIR /var/lib/shopdb
USER shopdb:shopdb
# Floor plans, pictures, certificates, backups (and a SQLite database if used).
VOLUME ["/var/lib/shopdb"]
EXPOSE 8000
# Ready: the database answers and its schema is the code's (503 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health/ready', timeout=4).status != 200)"]
ENTRYPOINT ["/opt/shopdb/deploy/entrypoint.sh"]
CMD ["gunicorn", "--config", "/opt/shopdb/deploy/gunicorn.conf.py", "shopdb:create_app()"]
