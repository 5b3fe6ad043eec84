-- Hand-written (not generated). The postgres image makes POSTGRES_USER (restaurant_admin) the
-- superuser and creates no `postgres` role; the deployment guide's password-reset step runs
-- `docker compose -f docker-compose.prod.yml exec postgres psql -U postgres`, so add that role.
-- It has no password: it can log in only over the container's local socket (trust), never
-- over the network (scram-sha-256 needs a password).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postgres') THEN
    CREATE ROLE postgres WITH LOGIN SUPERUSER;
  END IF;
END
$$;
