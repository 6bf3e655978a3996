# Production image: gunicorn web, Celery worker and beat all run from this one image.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 AFTERSALES_VAR_DIR=/app/var
WORKDIR /app
RUN useradd --create-home --uid 1000 aftersales
COPY pyproject.toml constraints.txt README.md ./
COPY aftersales ./aftersales
COPY tickets ./tickets
COPY intake ./intake
COPY sla ./sla
COPY feedback ./feedback
COPY knowledge ./knowledge
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
COPY --from=frontend /app/node_modules ./node_modules
# Static files and translations are built into the image; settings need only dummy values here.
RUN mkdir -p /app/var/media && DJANGO_SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost \
    sh -c "python -m aftersales.compile_messages && python manage.py collectstatic --noinput -v0" \
    && chown -R aftersales /app/var
USER aftersales
ENV WHITENOISE_USE_FINDERS=0 PORT=8000
EXPOSE 8000
CMD ["sh", "-c", "gunicorn aftersales.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile - --logger-class aftersales.gunicorn_logger.RedactingLogger"]
