-- Kenangan schema. Money is integer rupiah (bigint). Never edit an applied migration.

CREATE TABLE stations (
    id          serial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_-]{0,31}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    station_id  integer NOT NULL REFERENCES stations(id),
    sort_order  integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id           serial PRIMARY KEY,
    category_id  integer NOT NULL REFERENCES categories(id),
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    price        bigint NOT NULL CHECK (price >= 0),
    station_id   integer REFERENCES stations(id),
    is_available boolean NOT NULL DEFAULT true,
    image_url    text,
    prep_minutes integer CHECK (prep_minutes IS NULL OR prep_minutes >= 0),
    allergens    text[] NOT NULL DEFAULT '{}',
    modifiers    text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (category_id, name)
);

-- Column names follow the deployment guide's SQL (username, password, full_name, role, email, is_active).
CREATE TABLE users (
    id          serial PRIMARY KEY,
    username    text NOT NULL UNIQUE,
    password    text NOT NULL,
    full_name   text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin','manager','cashier','waiter','kitchen','bar')),
    email       text,
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dining_tables (
    id                serial PRIMARY KEY,
    label             text NOT NULL UNIQUE,
    area              text NOT NULL DEFAULT 'Main',
    capacity          integer NOT NULL CHECK (capacity > 0),
    status            text NOT NULL DEFAULT 'free'
                      CHECK (status IN ('free','seated','ordered','food_ready','served','bill_requested','paid')),
    covers            integer CHECK (covers IS NULL OR covers > 0),
    waiter_id         integer REFERENCES users(id),
    current_order_id  bigint,
    seated_at         timestamptz,
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id              bigserial PRIMARY KEY,
    table_id        integer REFERENCES dining_tables(id),
    order_type      text NOT NULL CHECK (order_type IN ('dine_in','takeaway')),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open','paid','cancelled')),
    waiter_id       integer NOT NULL REFERENCES users(id),
    covers          integer NOT NULL DEFAULT 1 CHECK (covers > 0),
    notes           text NOT NULL DEFAULT '',
    subtotal        bigint NOT NULL DEFAULT 0,
    tax_rate_bp     integer NOT NULL,
    service_rate_bp integer NOT NULL,
    tax             bigint NOT NULL DEFAULT 0,
    service_charge  bigint NOT NULL DEFAULT 0,
    total           bigint NOT NULL DEFAULT 0,
    payment_method  text CHECK (payment_method IN ('cash','card','qris')),
    amount_tendered bigint,
    paid_at         timestamptz,
    cancelled_at    timestamptz,
    cancel_reason   text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE INDEX orders_open_table_idx ON orders (table_id) WHERE status = 'open';

CREATE TABLE tickets (
    id             bigserial PRIMARY KEY,
    order_id       bigint NOT NULL REFERENCES orders(id),
    station_id     integer NOT NULL REFERENCES stations(id),
    course         integer NOT NULL,
    status         text NOT NULL DEFAULT 'fired' CHECK (status IN ('fired','started','ready','served','voided')),
    rush           boolean NOT NULL DEFAULT false,
    recall_count   integer NOT NULL DEFAULT 0,
    fired_at       timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    ready_at       timestamptz,
    served_at      timestamptz
);
CREATE INDEX tickets_order_idx ON tickets (order_id);
CREATE INDEX tickets_open_station_idx ON tickets (station_id) WHERE status IN ('fired','started','ready');
CREATE INDEX tickets_fired_at_idx ON tickets (fired_at);

CREATE TABLE order_items (
    id          bigserial PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders(id),
    product_id  integer NOT NULL REFERENCES products(id),
    name        text NOT NULL,
    unit_price  bigint NOT NULL CHECK (unit_price >= 0),
    quantity    integer NOT NULL CHECK (quantity > 0),
    modifiers   text[] NOT NULL DEFAULT '{}',
    notes       text NOT NULL DEFAULT '',
    course      integer NOT NULL DEFAULT 1 CHECK (course BETWEEN 1 AND 9),
    station_id  integer NOT NULL REFERENCES stations(id),
    status      text NOT NULL DEFAULT 'held' CHECK (status IN ('held','fired','ready','served','voided')),
    ticket_id   bigint REFERENCES tickets(id),
    added_late  boolean NOT NULL DEFAULT false,
    void_reason text,
    voided_by   integer REFERENCES users(id),
    voided_at   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_items_order_idx ON order_items (order_id);
CREATE INDEX order_items_ticket_idx ON order_items (ticket_id);

-- The event log (DESIGN §2). seq comes from event_counter, taken inside the writing
-- transaction: the row lock serialises writers from that point to commit, so seq order is
-- commit order and a reader never sees seq N+1 before N.
CREATE TABLE events (
    seq      bigint PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    kind     text NOT NULL,
    topics   text[] NOT NULL,
    payload  jsonb NOT NULL,
    actor    integer
);
CREATE INDEX events_at_idx ON events (at);

CREATE TABLE event_counter (
    id     integer PRIMARY KEY CHECK (id = 1),
    seq    bigint NOT NULL,
    -- bumped by a restore so screens resnapshot instead of replaying across it
    epoch  bigint NOT NULL DEFAULT 1
);
INSERT INTO event_counter (id, seq) VALUES (1, 0);

-- A retried POST with the same Idempotency-Key returns the first answer.
CREATE TABLE idempotency_keys (
    user_id      integer NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    status_code  integer,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
