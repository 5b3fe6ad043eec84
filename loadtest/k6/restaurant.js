// A restaurant at the deployment guide's 50-100 concurrent users (issue 6).
//   waiters  (REST): takeaway order with two items → add an item → read the bill → cashier pays
//   screens  (WebSocket, docs/protocol.md only): kitchen on station:kitchen / station:grill, bar on
//            station:bar; each ticket.fired is bumped (start, ready) by one screen of its station
//   managers (REST): floor view and dashboard stats
// Thresholds: REST p95 < 100 ms; every screen's stream continuous (`prev` = last seq); every
// ticket fired reaches its station screen (count check: handleSummary writes the verdict, and
// loadtest/run-k6.sh fails the run on it). commit→screen is a custom Trend (upper bound: from the
// event's `at`, the writing transaction's start, to its arrival).
// Usage: loadtest/run-k6.sh  (or k6 run -e BASE=http://127.0.0.1:8080 -e VUS=100 loadtest/k6/restaurant.js)
import http from 'k6/http';
import ws from 'k6/ws';
import { check, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';

const BASE = __ENV.BASE || 'http://127.0.0.1:8080';
const WS = BASE.replace(/^http/, 'ws') + '/api/v1/ws';
const VUS = Number(__ENV.VUS || 100);
const DURATION = __ENV.DURATION || '60s';
const durS = parseInt(DURATION, 10);
// Of VUS: screens 15 % (at least 3: kitchen, grill, bar), managers 10 %, the rest waiters.
const SCREENS = Math.max(3, Math.round(VUS * 0.15));
const MANAGERS = Math.max(1, Math.round(VUS * 0.1));
const WAITERS = Math.max(1, VUS - SCREENS - MANAGERS);
const STATIONS = ['kitchen', 'grill', 'bar'];
// Waiters' think time between steps, seconds (each pause is THINK..2*THINK).
const THINK = Number(__ENV.THINK || 1);
// People do not all press "send" in the same millisecond: each waiter and manager starts at a
// random moment within its first cycle. STAGGER=0 starts them all at once (a burst of ~75
// simultaneous requests, which dominates the p95; see docs/benchmarks.md).
const STAGGER = __ENV.STAGGER !== '0';
const stagger = (cycleS) => {
  if (STAGGER && __ITER === 0) sleep(Math.random() * cycleS);
};

const commitToScreen = new Trend('commit_to_screen_ms', true);
const restTrend = new Trend('rest_ms', true);
const ticketsFired = new Counter('tickets_fired');
const ticketsSeen = new Counter('tickets_seen');
const gaps = new Counter('ws_stream_gaps');
const bumps = new Counter('tickets_bumped');

export const options = {
  scenarios: {
    screens: { executor: 'per-vu-iterations', vus: SCREENS, iterations: 1, exec: 'screen', maxDuration: `${durS + 45}s` },
    waiters: { executor: 'constant-vus', vus: WAITERS, duration: DURATION, exec: 'waiter', startTime: '3s' },
    managers: { executor: 'constant-vus', vus: MANAGERS, duration: DURATION, exec: 'manager', startTime: '3s' },
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  thresholds: {
    'http_req_duration{kind:rest}': ['p(95)<100'],
    rest_ms: ['p(95)<100'],
    checks: ['rate>0.999'],
    ws_stream_gaps: ['count==0'],
  },
};

function login(u) {
  const r = http.post(`${BASE}/api/v1/auth/login`, JSON.stringify({ username: u, password: `${u}123` }), {
    headers: { 'Content-Type': 'application/json' },
  });
  return r.json('data.token');
}

export function setup() {
  const t = {};
  for (const u of ['waiter', 'waiter2', 'cashier', 'manager', 'kitchen', 'bar']) t[u] = login(u);
  const p = http.get(`${BASE}/api/v1/products?available=true`, { headers: { Authorization: `Bearer ${t.cashier}` } });
  return { t, products: p.json('data').map((x) => x.id) };
}

function req(method, path, token, body, name) {
  const params = {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    tags: { kind: 'rest', name },
  };
  if (method === 'POST') params.headers['Idempotency-Key'] = `k6-${__VU}-${__ITER}-${name}-${Date.now()}`;
  const r = method === 'GET' ? http.get(`${BASE}${path}`, params) : http.post(`${BASE}${path}`, body ? JSON.stringify(body) : null, params);
  restTrend.add(r.timings.duration, { name });
  return r;
}

export function waiter(data) {
  const tok = __VU % 2 ? data.t.waiter : data.t.waiter2;
  const ids = data.products;
  const pick = () => ids[Math.floor(Math.random() * ids.length)];
  stagger(4.5 * THINK);
  const o = req('POST', '/api/v1/orders', tok, { order_type: 'takeaway', items: [{ product_id: pick(), quantity: 1 }, { product_id: pick(), quantity: 2 }] }, 'create order');
  if (!check(o, { 'order created': (r) => r.status === 201 })) return;
  const order = o.json('data');
  ticketsFired.add(order.tickets.length);
  sleep(THINK * (1 + Math.random()));
  const a = req('POST', `/api/v1/orders/${order.id}/items`, tok, { items: [{ product_id: pick(), quantity: 1 }] }, 'add items');
  check(a, { 'items added': (r) => r.status === 200 || r.status === 201 });
  if (a.status < 300) {
    // Tickets of the added items (the answer is the whole order).
    ticketsFired.add(Math.max(0, a.json('data.tickets').length - order.tickets.length));
  }
  sleep(THINK * (1 + Math.random()));
  const b = req('GET', `/api/v1/orders/${order.id}`, tok, null, 'bill');
  check(b, { 'bill read': (r) => r.status === 200 });
  const p = req('POST', `/api/v1/orders/${order.id}/pay`, data.t.cashier, { method: 'cash' }, 'pay');
  check(p, { paid: (r) => r.status === 200 });
  sleep(THINK * (1 + Math.random()));
}

export function manager(data) {
  stagger(3);
  const f = req('GET', '/api/v1/floor', data.t.manager, null, 'floor');
  check(f, { 'floor read': (r) => r.status === 200 });
  const s = req('GET', '/api/v1/admin/dashboard/stats', data.t.manager, null, 'dashboard');
  check(s, { 'stats read': (r) => r.status === 200 });
  sleep(2 + Math.random() * 2);
}

export function screen(data) {
  // Screen i shows STATIONS[i % 3]; the first screen of each station counts and bumps its tickets.
  const idx = __VU - 1;
  const station = STATIONS[idx % STATIONS.length];
  const counting = idx < STATIONS.length;
  const tok = station === 'bar' ? data.t.bar : data.t.kitchen;
  const topic = `station:${station}`;
  let last = null;
  const seen = {};
  const res = ws.connect(`${WS}?token=${tok}`, {}, (socket) => {
    socket.on('open', () => socket.send(JSON.stringify({ op: 'subscribe', topics: [topic], since: null })));
    socket.on('message', (raw) => {
      const m = JSON.parse(raw);
      if (m.type === 'snapshot') last = m.seq;
      else if (m.type === 'subscribed') { if (last === null) last = m.seq; }
      else if (m.type === 'event') {
        if (last !== null && m.prev !== last) gaps.add(1);
        last = m.seq;
        commitToScreen.add(Date.now() - Date.parse(m.at));
        if (m.kind === 'ticket.fired' && counting) {
          const id = m.data.id;
          if (!seen[id]) {
            seen[id] = true;
            ticketsSeen.add(1);
            const st = req('POST', `/api/v1/tickets/${id}/start`, tok, null, 'bump start');
            const rd = req('POST', `/api/v1/tickets/${id}/ready`, tok, null, 'bump ready');
            check(rd, { bumped: () => st.status === 200 && rd.status === 200 });
            bumps.add(1);
          }
        }
      } else if (m.type === 'error') {
        gaps.add(1);
      }
    });
    // Stay until the waiters are done plus a grace period for the last tickets.
    socket.setTimeout(() => socket.close(), (durS + 3 + 20) * 1000);
  });
  check(res, { 'ws upgraded': (r) => r && r.status === 101 });
}

export function handleSummary(data) {
  const m = data.metrics;
  const fired = m.tickets_fired ? m.tickets_fired.values.count : 0;
  const seen = m.tickets_seen ? m.tickets_seen.values.count : 0;
  const verdict = {
    tickets_fired: fired,
    tickets_reached_station_screen: seen,
    ticket_count_check: fired === seen && fired > 0 ? 'passed' : 'FAILED',
  };
  const out = __ENV.OUT || 'loadtest/results/k6-restaurant';
  return {
    stdout: `\n${JSON.stringify(verdict)}\n` + textSummary(data),
    [`${out}.json`]: JSON.stringify({ verdict, metrics: m }, null, 1),
    [`${out}.verdict.json`]: JSON.stringify(verdict),
  };
}

function textSummary(data) {
  const lines = [];
  for (const [k, v] of Object.entries(data.metrics)) {
    const vals = Object.entries(v.values).map(([a, b]) => `${a}=${typeof b === 'number' ? b.toFixed(2) : b}`).join(' ');
    const th = v.thresholds ? ' ' + Object.entries(v.thresholds).map(([t, r]) => `[${t}: ${r.ok ? 'ok' : 'FAILED'}]`).join(' ') : '';
    lines.push(`${k}: ${vals}${th}`);
  }
  return lines.join('\n') + '\n';
}
