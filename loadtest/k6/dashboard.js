// Dashboard stats and floor view on a large history (loadtest/history/generate.sql).
// Usage: k6 run -e BASE=http://127.0.0.1:8080 loadtest/k6/dashboard.js
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const BASE = __ENV.BASE || 'http://127.0.0.1:8080';
const stats = new Trend('stats_ms', true);
const floor = new Trend('floor_ms', true);

export const options = {
  vus: Number(__ENV.VUS || 10),
  duration: __ENV.DURATION || '20s',
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  thresholds: { checks: ['rate>0.999'] },
};

export function setup() {
  const r = http.post(`${BASE}/api/v1/auth/login`, JSON.stringify({ username: 'manager', password: 'manager123' }), {
    headers: { 'Content-Type': 'application/json' },
  });
  return { token: r.json('data.token') };
}

export default function (data) {
  const h = { headers: { Authorization: `Bearer ${data.token}` } };
  // a random day of the last six months
  const d = new Date(Date.now() - Math.floor(Math.random() * 180) * 86400000).toISOString().slice(0, 10);
  const s = http.get(`${BASE}/api/v1/admin/dashboard/stats?date=${d}`, h);
  stats.add(s.timings.duration);
  check(s, { 'stats 200': (r) => r.status === 200 && r.json('data.orders') > 0 });
  const f = http.get(`${BASE}/api/v1/floor`, h);
  floor.add(f.timings.duration);
  check(f, { 'floor 200': (r) => r.status === 200 });
}
