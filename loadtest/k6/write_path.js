// Write-path latency at 50 concurrent clients: POST /orders (takeaway, one item, with an
// Idempotency-Key) and GET /health, run as two scenarios one after the other.
// Usage: k6 run -e BASE=http://127.0.0.1:8080 loadtest/k6/write_path.js
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const BASE = __ENV.BASE || 'http://127.0.0.1:8080';
const VUS = Number(__ENV.VUS || 50);
const DURATION = __ENV.DURATION || '20s';

const createOrder = new Trend('create_order_ms', true);
const health = new Trend('health_ms', true);

// ONLY=orders or ONLY=health runs one scenario (loadtest/write-path.sh measures CPU per order).
const ONLY = __ENV.ONLY || '';
const scenarios = {
  orders: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'orders' },
  health: { executor: 'constant-vus', vus: VUS, duration: DURATION, exec: 'healthCheck', startTime: ONLY ? '0s' : DURATION },
};

export const options = {
  scenarios: ONLY ? { [ONLY]: scenarios[ONLY] } : scenarios,
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  thresholds: { checks: ['rate>0.999'] },
};

export function setup() {
  const r = http.post(`${BASE}/api/v1/auth/login`, JSON.stringify({ username: 'cashier', password: 'cashier123' }), {
    headers: { 'Content-Type': 'application/json' },
  });
  const token = r.json('data.token');
  const products = http.get(`${BASE}/api/v1/products?available=true`, { headers: { Authorization: `Bearer ${token}` } });
  const ids = products.json('data').map((p) => p.id);
  return { token, ids };
}

export function orders(data) {
  const body = JSON.stringify({ items: [{ product_id: data.ids[(__VU + __ITER) % data.ids.length], quantity: 1 }] });
  const r = http.post(`${BASE}/api/v1/orders`, body, {
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${data.token}`,
      'Idempotency-Key': `k6-${__VU}-${__ITER}-${Date.now()}`,
    },
  });
  createOrder.add(r.timings.duration);
  check(r, { 'order created': (res) => res.status === 201 });
}

export function healthCheck() {
  const r = http.get(`${BASE}/api/v1/health`);
  health.add(r.timings.duration);
  check(r, { healthy: (res) => res.status === 200 });
}
