FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    KEPT_HOST=0.0.0.0 KEPT_DATABASE_URL=sqlite:////data/kept.db

RUN apt-get update && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 kept \
    && mkdir /data && chown kept /data

WORKDIR /app
COPY --chown=kept pyproject.toml README.md Makefile alembic.ini ./
COPY --chown=kept api ./api
COPY --chown=kept alembic ./alembic
USER kept
# The same install as `make run`: a virtualenv in .venv with Kept installed into it.
RUN make install
ENV PATH="/app/.venv/bin:$PATH"

EXPOSE 8000
VOLUME ["/data"]
CMD ["sh", "-c", "kept migrate && kept serve --host 0.0.0.0"]
