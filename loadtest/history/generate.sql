-- Six months of a busy restaurant: about 100,000 orders with their items, tickets and events,
-- spread over lunch and dinner in Asia/Jakarta time. Run on a migrated database with the
-- demo menu (kenangan serve/migrate with DEMO_DATA=true), e.g.
--   psql "$DATABASE_URL" -v orders=100000 -v days=180 -f loadtest/history/generate.sql
-- It appends after whatever is there; the event log stays gap-free.
\set ON_ERROR_STOP on
\if :{?orders} \else \set orders 100000 \endif
\if :{?days} \else \set days 180 \endif

BEGIN;
-- Everyone else waits: the log's numbering must not interleave with live writers.
SELECT seq AS base_seq FROM event_counter WHERE id = 1 FOR UPDATE \gset

CREATE TEMP TABLE gen_orders AS
SELECT n,
       -- day n spread over :days days back, at a lunch (11-14) or dinner (17-22) hour, local time
       ((date_trunc('day', now() AT TIME ZONE 'Asia/Jakarta') - make_interval(days => :days)
          + make_interval(days => (n::bigint * :days / :orders)::int)
          + CASE WHEN random() < 0.4 THEN interval '11 hours' + random() * interval '3 hours'
                 ELSE interval '17 hours' + random() * interval '5 hours' END)
         AT TIME ZONE 'Asia/Jakarta') AS created_at,
       (SELECT id FROM dining_tables ORDER BY random() + n * 0 LIMIT 1) AS table_id,
       (SELECT id FROM users WHERE role = 'waiter' ORDER BY random() + n * 0 LIMIT 1) AS waiter_id,
       1 + (random() * 5)::int AS covers,
       CASE WHEN random() < 0.03 THEN 'cancelled' ELSE 'paid' END AS status,
       (ARRAY['cash','card','qris'])[1 + (random() * 2)::int] AS method
FROM generate_series(1, :orders) AS n;

WITH ins AS (
  INSERT INTO orders (table_id, order_type, status, waiter_id, covers, tax_rate_bp, service_rate_bp,
                      payment_method, paid_at, cancelled_at, cancel_reason, created_at, updated_at)
  SELECT table_id, 'dine_in', status, waiter_id, covers, 1100, 500,
         CASE WHEN status = 'paid' THEN method END,
         CASE WHEN status = 'paid' THEN created_at + interval '70 minutes' END,
         CASE WHEN status = 'cancelled' THEN created_at + interval '10 minutes' END,
         CASE WHEN status = 'cancelled' THEN 'guest left' END,
         created_at, created_at + interval '70 minutes'
  FROM gen_orders ORDER BY n
  RETURNING id, created_at, status, waiter_id
)
SELECT count(*) AS orders_inserted FROM ins \gset
\echo inserted :orders_inserted orders

CREATE TEMP TABLE new_orders AS
SELECT id, created_at, status, waiter_id FROM orders ORDER BY id DESC LIMIT :orders;

INSERT INTO order_items (order_id, product_id, name, unit_price, quantity, course, station_id, status, created_at)
SELECT o.id, p.id, p.name, p.price, 1 + (random() * 2)::int, 1,
       COALESCE(p.station_id, c.station_id),
       CASE WHEN o.status = 'paid' THEN 'served' ELSE 'voided' END, o.created_at
FROM new_orders o
CROSS JOIN LATERAL generate_series(1, 1 + (random() * 5)::int + (o.id * 0)::int) AS k
CROSS JOIN LATERAL (SELECT id, name, price, station_id, category_id FROM products
                    ORDER BY random() + k * 0 + o.id * 0 LIMIT 1) AS p
JOIN categories c ON c.id = p.category_id;

INSERT INTO tickets (order_id, station_id, course, status, fired_at, started_at, ready_at, served_at)
SELECT o.id, i.station_id, 1,
       CASE WHEN o.status = 'paid' THEN 'served' ELSE 'voided' END,
       o.created_at + interval '1 minute',
       o.created_at + interval '2 minutes',
       CASE WHEN o.status = 'paid' THEN o.created_at + interval '4 minutes' + random() * interval '18 minutes' END,
       CASE WHEN o.status = 'paid' THEN o.created_at + interval '25 minutes' END
FROM new_orders o JOIN (SELECT DISTINCT order_id, station_id FROM order_items) i ON i.order_id = o.id;

UPDATE order_items i SET ticket_id = t.id
FROM tickets t WHERE t.order_id = i.order_id AND t.station_id = i.station_id AND i.ticket_id IS NULL
  AND i.order_id IN (SELECT id FROM new_orders);

UPDATE orders o SET subtotal = s.sub,
       service_charge = (s.sub * 500 + 5000) / 10000,
       tax = ((s.sub + (s.sub * 500 + 5000) / 10000) * 1100 + 5000) / 10000,
       total = s.sub + (s.sub * 500 + 5000) / 10000 + ((s.sub + (s.sub * 500 + 5000) / 10000) * 1100 + 5000) / 10000
FROM (SELECT order_id, sum(unit_price * quantity)::bigint AS sub FROM order_items
      WHERE order_id IN (SELECT id FROM new_orders) GROUP BY order_id) s
WHERE o.id = s.order_id;

-- Their events, numbered after the current head in time order.
CREATE TEMP TABLE gen_events AS
SELECT * FROM (
  SELECT o.created_at AS at, 'order.created' AS kind, ARRAY['orders', 'waiter:' || o.waiter_id] AS topics,
         jsonb_build_object('id', o.id, 'status', 'open') AS payload, o.waiter_id AS actor
  FROM new_orders o
  UNION ALL
  SELECT t.fired_at, 'ticket.fired', ARRAY['station:' || s.code, 'expo'], jsonb_build_object('id', t.id, 'order_id', t.order_id), o.waiter_id
  FROM tickets t JOIN new_orders o ON o.id = t.order_id JOIN stations s ON s.id = t.station_id
  UNION ALL
  SELECT t.ready_at, 'ticket.ready', ARRAY['station:' || s.code, 'expo'], jsonb_build_object('id', t.id, 'order_id', t.order_id), NULL
  FROM tickets t JOIN new_orders o ON o.id = t.order_id JOIN stations s ON s.id = t.station_id WHERE t.ready_at IS NOT NULL
  UNION ALL
  SELECT o.created_at + interval '70 minutes', CASE WHEN o.status = 'paid' THEN 'order.paid' ELSE 'order.cancelled' END,
         ARRAY['orders', 'waiter:' || o.waiter_id], jsonb_build_object('id', o.id, 'status', o.status), NULL
  FROM new_orders o
) e;

INSERT INTO events (seq, at, kind, topics, payload, actor)
SELECT :base_seq + row_number() OVER (ORDER BY at, kind), at, kind, topics, payload, actor FROM gen_events;
UPDATE event_counter SET seq = (SELECT max(seq) FROM events) WHERE id = 1;
COMMIT;
ANALYZE;
SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_items) AS items,
       (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM events) AS events;
