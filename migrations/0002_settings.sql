-- Restaurant settings a manager edits in the back office (one row). NULL rates mean "use the
-- configured default" (TAX_RATE_PERCENT / SERVICE_CHARGE_PERCENT).
CREATE TABLE settings (
    id               integer PRIMARY KEY CHECK (id = 1),
    tax_rate_bp      integer CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    service_rate_bp  integer CHECK (service_rate_bp BETWEEN 0 AND 10000),
    qris_image_url   text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       integer REFERENCES users(id)
);
INSERT INTO settings (id) VALUES (1);

-- The audit view reads the log by actor and time.
CREATE INDEX events_actor_at_idx ON events (actor, at);
