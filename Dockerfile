# Lyssna: slim image, non-root, migrations then uvicorn (via `lyssna serve`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LYSSNA_ENVIRONMENT=production \
    LYSSNA_VAR_DIR=/app/var

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY questionnaires ./questionnaires
COPY locales ./locales
# Editable, so the app finds questionnaires/, locales/ and migrations/ beside it.
RUN pip install --no-cache-dir -e . \
    && lyssna translations compile \
    && useradd --system --uid 10001 --home-dir /app lyssna \
    && mkdir -p /app/var && chown lyssna /app/var

USER lyssna
EXPOSE 8000
# LYSSNA_DATABASE_URL and LYSSNA_SECRET_KEY must be provided at run time.
CMD ["sh", "-c", "lyssna migrate && exec lyssna serve --host 0.0.0.0 --port 8000 --workers 2"]
