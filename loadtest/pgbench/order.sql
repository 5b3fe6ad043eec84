-- PostgreSQL alone doing what POST /orders does for a takeaway order of one item (the same
-- statements as src/orders/*, with two of the app's event payloads as constants, in base64 so
-- that pgbench leaves their colons alone): the database's own ceiling for order writes on this
-- machine. See docs/benchmarks.md (write path).
\set pid random(1, 24)
\set k random(1, 2000000000)
BEGIN;
INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES (3, :client_id || '-' || :k, md5('x')) ON CONFLICT DO NOTHING;
INSERT INTO orders (table_id, order_type, waiter_id, covers, notes, tax_rate_bp, service_rate_bp, version)
  SELECT NULL, 'takeaway', 3, 1, '', COALESCE(s.tax_rate_bp, 1100), 0, 0 FROM (SELECT 1) one LEFT JOIN settings s ON s.id = 1 RETURNING id AS oid \gset
INSERT INTO order_items (order_id, product_id, name, unit_price, quantity, modifiers, notes, course, station_id, added_late)
  SELECT :oid, p.id, p.name, p.price, 1, '{}', '', 1, COALESCE(p.station_id, c.station_id), false
  FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = :pid AND p.is_available;
WITH g AS (SELECT DISTINCT station_id, course FROM order_items WHERE order_id = :oid AND status = 'held'),
     t AS (INSERT INTO tickets (order_id, station_id, course) SELECT :oid, station_id, course FROM g ORDER BY course, station_id RETURNING id, station_id, course),
     u AS (UPDATE order_items i SET status = 'fired', ticket_id = t.id FROM t WHERE i.order_id = :oid AND i.station_id = t.station_id AND i.course = t.course AND i.status = 'held')
  SELECT id FROM t ORDER BY id;
UPDATE orders o SET subtotal = b.sub, service_charge = b.svc, tax = b.tax, total = b.sub + b.svc + b.tax, version = o.version + 1, updated_at = now()
  FROM (SELECT s.sub, s.svc, ((s.sub + s.svc) * r.tax_rate_bp + 5000) / 10000 AS tax FROM orders r,
        LATERAL (SELECT t.sub, (t.sub * r.service_rate_bp + 5000) / 10000 AS svc FROM (SELECT COALESCE(sum(unit_price * quantity), 0)::bigint AS sub FROM order_items WHERE order_id = r.id AND status <> 'voided') t) s
        WHERE r.id = :oid) b WHERE o.id = :oid;
SELECT row_to_json(x), (SELECT json_agg(i) FROM order_items i WHERE i.order_id = x.id), (SELECT json_agg(k) FROM tickets k WHERE k.order_id = x.id) FROM orders x WHERE x.id = :oid;
UPDATE idempotency_keys SET status_code = 201, response = '{"success": true}' WHERE user_id = 3 AND key = :client_id || '-' || :k;
WITH c AS (UPDATE event_counter SET seq = seq + 2 WHERE id = 1 RETURNING seq),
     ins AS (INSERT INTO events (seq, kind, topics, payload, actor)
             SELECT c.seq - 2 + u.n, u.k, u.t::text[], u.p, 3 FROM c,
               unnest(ARRAY['order.created', 'ticket.fired'], ARRAY['{"orders","waiter:3"}', '{"station' || chr(58) || 'kitchen","expo","waiter:3"}']::text[],
                      ARRAY[convert_from(decode('eyJpZCI6IDEsICJ0YXgiOiA5MzUwLCAiaXRlbXMiOiBbeyJpZCI6IDEsICJuYW1lIjogIlNvcCBCdW50dXQiLCAibm90ZXMiOiAiIiwgImNvdXJzZSI6IDEsICJzdGF0dXMiOiAiZmlyZWQiLCAic3RhdGlvbiI6ICJraXRjaGVuIiwgIm9yZGVyX2lkIjogMSwgInF1YW50aXR5IjogMSwgImFsbGVyZ2VucyI6IFtdLCAibW9kaWZpZXJzIjogW10sICJ0aWNrZXRfaWQiOiAxLCAidm9pZGVkX2F0IjogbnVsbCwgImFkZGVkX2xhdGUiOiBmYWxzZSwgInByb2R1Y3RfaWQiOiA3LCAidW5pdF9wcmljZSI6IDg1MDAwLCAidm9pZF9yZWFzb24iOiBudWxsfV0sICJub3RlcyI6ICIiLCAidG90YWwiOiA5NDM1MCwgImNvdmVycyI6IDEsICJzdGF0dXMiOiAib3BlbiIsICJwYWlkX2F0IjogbnVsbCwgInRpY2tldHMiOiBbeyJpZCI6IDEsICJydXNoIjogZmFsc2UsICJjb3Vyc2UiOiAxLCAiY292ZXJzIjogMSwgInN0YXR1cyI6ICJmaXJlZCIsICJzdGF0aW9uIjogImtpdGNoZW4iLCAiZmlyZWRfYXQiOiAiMjAyNi0xMi0wNFQyMDo0Nzo0MS4zNzM1MzBaIiwgIm9yZGVyX2lkIjogMSwgInJlYWR5X2F0IjogbnVsbCwgInRhYmxlX2lkIjogbnVsbCwgInNlcnZlZF9hdCI6IG51bGwsICJ3YWl0ZXJfaWQiOiAzLCAib3JkZXJfdHlwZSI6ICJ0YWtlYXdheSIsICJzdGFydGVkX2F0IjogbnVsbCwgInRhYmxlX2xhYmVsIjogbnVsbCwgIndhaXRlcl9uYW1lIjogIlJpbmEgS2FzaXIiLCAicmVjYWxsX2NvdW50IjogMH1dLCAidmVyc2lvbiI6IDEsICJzdWJ0b3RhbCI6IDg1MDAwLCAidGFibGVfaWQiOiBudWxsLCAid2FpdGVyX2lkIjogMywgImNyZWF0ZWRfYXQiOiAiMjAyNi0xMi0wNFQyMDo0Nzo0MS4zNzM1MzBaIiwgIm9yZGVyX3R5cGUiOiAidGFrZWF3YXkiLCAidXBkYXRlZF9hdCI6ICIyMDI2LTEyLTA0VDIwOjQ3OjQxLjM3MzUzMFoiLCAidGFibGVfbGFiZWwiOiBudWxsLCAidGF4X3JhdGVfYnAiOiAxMTAwLCAid2FpdGVyX25hbWUiOiAiUmluYSBLYXNpciIsICJjYW5jZWxsZWRfYXQiOiBudWxsLCAiY2FuY2VsX3JlYXNvbiI6IG51bGwsICJwYXltZW50X21ldGhvZCI6IG51bGwsICJzZXJ2aWNlX2NoYXJnZSI6IDAsICJhbW91bnRfdGVuZGVyZWQiOiBudWxsLCAic2VydmljZV9yYXRlX2JwIjogMH0=', 'base64'), 'UTF8')::jsonb, convert_from(decode('eyJpZCI6IDEsICJydXNoIjogZmFsc2UsICJpdGVtcyI6IFt7ImlkIjogMSwgIm5hbWUiOiAiU29wIEJ1bnR1dCIsICJub3RlcyI6ICIiLCAiY291cnNlIjogMSwgInN0YXR1cyI6ICJmaXJlZCIsICJzdGF0aW9uIjogImtpdGNoZW4iLCAib3JkZXJfaWQiOiAxLCAicXVhbnRpdHkiOiAxLCAiYWxsZXJnZW5zIjogW10sICJtb2RpZmllcnMiOiBbXSwgInRpY2tldF9pZCI6IDEsICJ2b2lkZWRfYXQiOiBudWxsLCAiYWRkZWRfbGF0ZSI6IGZhbHNlLCAicHJvZHVjdF9pZCI6IDcsICJ1bml0X3ByaWNlIjogODUwMDAsICJ2b2lkX3JlYXNvbiI6IG51bGx9XSwgImNvdXJzZSI6IDEsICJjb3ZlcnMiOiAxLCAic3RhdHVzIjogImZpcmVkIiwgInN0YXRpb24iOiAia2l0Y2hlbiIsICJmaXJlZF9hdCI6ICIyMDI2LTEyLTA0VDIwOjQ3OjQxLjM3MzUzMFoiLCAib3JkZXJfaWQiOiAxLCAicmVhZHlfYXQiOiBudWxsLCAidGFibGVfaWQiOiBudWxsLCAic2VydmVkX2F0IjogbnVsbCwgIndhaXRlcl9pZCI6IDMsICJvcmRlcl90eXBlIjogInRha2Vhd2F5IiwgInN0YXJ0ZWRfYXQiOiBudWxsLCAidGFibGVfbGFiZWwiOiBudWxsLCAid2FpdGVyX25hbWUiOiAiUmluYSBLYXNpciIsICJyZWNhbGxfY291bnQiOiAwfQ==', 'base64'), 'UTF8')::jsonb]) WITH ORDINALITY AS u(k, t, p, n))
  SELECT c.seq FROM c, LATERAL (SELECT pg_notify('kenangan_events', c.seq::text)) AS notified;
COMMIT;
