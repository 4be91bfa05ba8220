#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data directory
# (/docker-entrypoint-initdb.d). Two login roles besides the superuser: the owner, which owns the
# database and its schema and runs the migrations, and the application role, which owns nothing
# (so it can neither disable the audit log's triggers nor drop, truncate or rewrite it; the grants
# come from `migrate`, see crm/audit/db_roles.py). Passwords come from the environment.
set -euo pipefail
: "${FIDUCIA_OWNER_DB_PASSWORD:?}" "${FIDUCIA_APP_DB_PASSWORD:?}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_pw="$FIDUCIA_OWNER_DB_PASSWORD" -v app_pw="$FIDUCIA_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE fiducia_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE fiducia_app LOGIN PASSWORD :'app_pw';
CREATE DATABASE fiducia OWNER fiducia_owner;
SQL
# PostgreSQL 15+: the public schema belongs to the database owner and PUBLIC may not create in it.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname fiducia \
  -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC" \
  -c "REVOKE ALL ON DATABASE fiducia FROM PUBLIC" \
  -c "GRANT CONNECT, TEMPORARY ON DATABASE fiducia TO fiducia_app"
