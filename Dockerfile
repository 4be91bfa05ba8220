# Fiducia CRM production image: gunicorn + whitenoise. The same image runs web, worker and beat
# (see docker-compose.yml). Front-end packages come from npm at build time (no CDN at runtime).

FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN groupadd --system fiducia && useradd --system --gid fiducia --home /app fiducia

# Dependencies first (cached while pyproject.toml is unchanged).
COPY pyproject.toml ./
# With the `ldap` extra (LDAP / Active Directory sign-in): python-ldap compiles against
# libldap and libsasl; the compiler and headers go again, the runtime libraries stay.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libldap2-dev libsasl2-dev \
    && apt-mark manual $(dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' 'libldap*' 'libsasl2-2' | awk '/^ii/ && !/-dev$/ {print $2}') \
    && python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['ldap']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && apt-get purge -y --auto-remove gcc libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*

COPY --from=assets /build/node_modules ./node_modules
COPY . .
RUN pip install --no-deps -e .

# Hashed static files and compiled translations are part of the image. The values below exist
# only so settings load at build time; real ones come from the environment at run time.
RUN DEBUG=false SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=build \
    FIELD_ENCRYPTION_KEY=YnVpbGQtb25seS1rZXktbm90LWEtc2VjcmV0LTAwMDA= \
    CELERY_BROKER_URL=redis://build:6379/0 DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    sh -c "python manage.py compile_translations && python manage.py collectstatic --noinput" \
    && rm -f /tmp/build.sqlite3 \
    && mkdir -p /app/var /app/media && chown -R fiducia:fiducia /app/var /app/media

USER fiducia
EXPOSE 8000
# gunicorn.conf.py: the access log's format leaves out query strings (they may hold a search term).
CMD ["gunicorn", "crm.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--timeout", "60", "--forwarded-allow-ips", "*"]
