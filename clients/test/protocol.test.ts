import { describe, expect, it } from 'vitest';
import {
  CLOSE_AUTH,
  CLOSE_RESTART,
  CLOSE_SLOW,
  type ConnInfo,
  type EventFrame,
  HubClient,
  backoffDelay,
  checkSeq,
  wsUrl,
} from '../src/lib/protocol';
import { FakeClock, FakeSocket } from './fakes';

function setup(opts: { online?: () => boolean; topics?: string[] } = {}) {
  const sockets: FakeSocket[] = [];
  const clock = new FakeClock();
  const applied: EventFrame[] = [];
  const snapshots: { topic: string; seq: number; state: unknown }[] = [];
  const statuses: ConnInfo[] = [];
  let authFailed = 0;
  let token = 'tok1';
  const hub = new HubClient({
    url: () => `ws://test/api/v1/ws?token=${token}`,
    topics: opts.topics ?? ['station:grill'],
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    clock,
    online: opts.online,
    heartbeatMs: 10_000,
    pongTimeoutMs: 3_000,
    handlers: {
      snapshot: (topic, state, seq) => snapshots.push({ topic, state, seq }),
      event: (e) => applied.push(e),
      status: (i) => statuses.push(i),
      authFailed: () => authFailed++,
    },
  });
  const last = () => sockets[sockets.length - 1];
  const welcome = (s = last(), extra: Record<string, unknown> = {}) =>
    s.recv({ type: 'welcome', user: { id: 5, username: 'kitchen', role: 'kitchen' }, head: 1000, epoch: 1, server_time: new Date(clock.t + 2000).toISOString(), ...extra });
  const ev = (seq: number, prev: number, kind = 'ticket.fired', data: unknown = { id: seq }) => ({
    type: 'event', seq, prev, topic: 'station:grill', kind, at: '2025-01-01T00:00:00Z', data,
  });
  return { hub, sockets, clock, applied, snapshots, statuses, last, welcome, ev, authFailed: () => authFailed, setToken: (t: string) => (token = t) };
}

describe('checkSeq', () => {
  it('applies the next event, drops duplicates, and sees gaps', () => {
    expect(checkSeq(10, { seq: 11, prev: 10 })).toBe('apply');
    expect(checkSeq(10, { seq: 14, prev: 10 })).toBe('apply'); // a gap left by topics we do not hold
    expect(checkSeq(10, { seq: 10, prev: 9 })).toBe('duplicate');
    expect(checkSeq(10, { seq: 7, prev: 6 })).toBe('duplicate');
    expect(checkSeq(10, { seq: 13, prev: 12 })).toBe('gap'); // 12 was lost
    expect(checkSeq(null, { seq: 3, prev: 2 })).toBe('gap'); // nothing to build on
  });
});

describe('backoffDelay', () => {
  it('grows exponentially, is capped, and is jittered within [step/2, step]', () => {
    const o = { baseMs: 500, capMs: 8000 };
    expect(backoffDelay(0, () => 0, o)).toBe(250);
    expect(backoffDelay(0, () => 1, o)).toBe(500);
    expect(backoffDelay(3, () => 0, o)).toBe(2000);
    expect(backoffDelay(3, () => 1, o)).toBe(4000);
    expect(backoffDelay(10, () => 1, o)).toBe(8000);
    expect(backoffDelay(60, () => 0.5, o)).toBe(6000);
    const spread = new Set([0.1, 0.4, 0.9].map((r) => backoffDelay(2, () => r, o)));
    expect(spread.size).toBe(3);
  });
});

describe('wsUrl', () => {
  it('follows the page scheme and escapes the token', () => {
    expect(wsUrl('a b', { protocol: 'https:', host: 'x.id' })).toBe('wss://x.id/api/v1/ws?token=a%20b');
    expect(wsUrl('t', { protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/api/v1/ws?token=t');
    expect(wsUrl(null, { protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/api/v1/ws');
  });
});

describe('HubClient', () => {
  it('subscribes after welcome with since null, applies the snapshot, then events in order', () => {
    const h = setup();
    h.hub.start();
    expect(h.hub.info.status).toBe('connecting');
    expect(h.last().url).toBe('ws://test/api/v1/ws?token=tok1');
    h.welcome();
    expect(h.last().lastOp()).toEqual({ op: 'subscribe', topics: ['station:grill'], since: null });
    expect(h.hub.info.serverOffsetMs).toBe(2000);
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: { tickets: [] } });
    h.last().recv({ type: 'subscribed', topics: ['station:grill'], seq: 10, replayed: 0, snapshot: true });
    expect(h.hub.info.status).toBe('live');
    expect(h.hub.info.caughtUp).toBeNull();
    expect(h.snapshots).toEqual([{ topic: 'station:grill', state: { tickets: [] }, seq: 10 }]);
    h.last().recv(h.ev(11, 10));
    h.last().recv(h.ev(15, 11));
    expect(h.applied.map((e) => e.seq)).toEqual([11, 15]);
    expect(h.hub.info.lastSeq).toBe(15);
  });

  it('can authenticate with a first frame instead of the URL', () => {
    const sockets: FakeSocket[] = [];
    const hub = new HubClient({
      url: () => 'ws://test/api/v1/ws',
      token: () => 'jwt-1',
      topics: ['expo'],
      socket: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      clock: new FakeClock(),
      handlers: { snapshot: () => {}, event: () => {} },
    });
    hub.start();
    expect(sockets[0].url).toBe('ws://test/api/v1/ws');
    sockets[0].open();
    expect(sockets[0].sent[0]).toEqual({ op: 'auth', token: 'jwt-1' });
    sockets[0].recv({ type: 'welcome', user: { id: 1, username: 'k', role: 'kitchen' }, head: 0, epoch: 1 });
    expect(sockets[0].lastOp()).toEqual({ op: 'subscribe', topics: ['expo'], since: null });
  });

  it('ignores a duplicate event', () => {
    const h = setup();
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: {} });
    h.last().recv({ type: 'subscribed', topics: [], seq: 10 });
    h.last().recv(h.ev(11, 10));
    h.last().recv(h.ev(11, 10));
    h.last().recv(h.ev(10, 9));
    expect(h.applied.map((e) => e.seq)).toEqual([11]);
    expect(h.sockets).toHaveLength(1);
  });

  it('on a gap (prev ≠ last applied) resumes on a new connection with since = last applied', () => {
    const h = setup();
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: {} });
    h.last().recv({ type: 'subscribed', topics: [], seq: 10 });
    h.last().recv(h.ev(11, 10));
    const first = h.last();
    first.recv(h.ev(13, 12)); // 12 was lost
    expect(h.applied.map((e) => e.seq)).toEqual([11]);
    expect(first.closedWith).toBe(4000);
    expect(h.sockets).toHaveLength(2);
    first.recv(h.ev(14, 13)); // late frames from the old socket are ignored
    expect(h.applied).toHaveLength(1);
    h.welcome();
    expect(h.last().lastOp()).toEqual({ op: 'subscribe', topics: ['station:grill'], since: 11, epoch: 1 });
    h.last().recv(h.ev(12, 11));
    h.last().recv(h.ev(13, 12));
    h.last().recv({ type: 'subscribed', topics: ['station:grill'], seq: 13, replayed: 2, snapshot: false });
    expect(h.applied.map((e) => e.seq)).toEqual([11, 12, 13]);
    expect(h.hub.info.status).toBe('live');
    expect(h.hub.info.caughtUp).toMatchObject({ replayed: 2, snapshot: false });
  });

  it('after a drop reconnects with back-off and jitter, then resumes with since and reports the replay', () => {
    const h = setup();
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: {} });
    h.last().recv({ type: 'subscribed', topics: [], seq: 10 });
    h.last().recv(h.ev(11, 10));
    h.last().drop(1006);
    expect(h.hub.info.status).toBe('reconnecting');
    expect(h.hub.info.retryAt).toBe(h.clock.t + 375); // 500 × (0.5 + 0.5 × 0.5)
    h.clock.advance(374);
    expect(h.sockets).toHaveLength(1);
    h.clock.advance(1);
    expect(h.sockets).toHaveLength(2);
    h.last().drop(1006); // the server is still away: the next wait is longer
    expect(h.hub.info.attempt).toBe(2);
    expect(h.hub.info.retryAt).toBe(h.clock.t + 750);
    h.clock.advance(750);
    expect(h.sockets).toHaveLength(3);
    h.welcome();
    expect(h.last().lastOp()).toMatchObject({ op: 'subscribe', since: 11 });
    h.last().recv(h.ev(12, 11));
    h.last().recv(h.ev(14, 12));
    h.last().recv({ type: 'subscribed', topics: [], seq: 14, replayed: 2, snapshot: false });
    expect(h.hub.info).toMatchObject({ status: 'live', attempt: 0, caughtUp: { replayed: 2, snapshot: false } });
    expect(h.applied.map((e) => e.seq)).toEqual([11, 12, 14]);
    expect(h.snapshots).toHaveLength(1); // resumed, not reloaded
  });

  it('a resume too old for the log gets a snapshot, which replaces the state', () => {
    const h = setup();
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: { n: 1 } });
    h.last().recv({ type: 'subscribed', topics: [], seq: 10 });
    h.last().drop(CLOSE_SLOW);
    h.clock.advance(1000);
    h.welcome(h.last(), { head: 500 });
    expect(h.last().lastOp()).toMatchObject({ since: 10 });
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 500, state: { n: 2 } });
    h.last().recv({ type: 'subscribed', topics: [], seq: 500, replayed: 0, snapshot: true });
    expect(h.snapshots.map((s) => s.seq)).toEqual([10, 500]);
    expect(h.hub.info.caughtUp).toMatchObject({ snapshot: true });
    h.last().recv(h.ev(501, 500));
    expect(h.applied.map((e) => e.seq)).toEqual([501]);
  });

  it('asks for a snapshot when the epoch changed (a restored database) or the log went backwards', () => {
    const h = setup();
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: {} });
    h.last().recv({ type: 'subscribed', topics: [], seq: 10 });
    h.last().drop(CLOSE_RESTART);
    h.clock.advance(1000);
    h.welcome(h.last(), { epoch: 2, head: 3 });
    expect(h.last().lastOp()).toEqual({ op: 'subscribe', topics: ['station:grill'], since: null });
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 3, state: {} });
    h.last().recv({ type: 'subscribed', topics: [], seq: 3 });
    h.last().drop(CLOSE_RESTART);
    h.clock.advance(1000);
    h.welcome(h.last(), { epoch: 2, head: 1 });
    expect(h.last().lastOp()).toMatchObject({ since: null });
  });

  it('a restart (1012) reconnects soon even after earlier failures', () => {
    const h = setup();
    h.hub.start();
    h.last().drop(1006);
    h.clock.advance(1000);
    h.last().drop(1006);
    h.clock.advance(2000);
    h.last().drop(1006);
    h.clock.advance(4000);
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: {} });
    h.last().drop(CLOSE_RESTART);
    expect(h.hub.info.retryAt! - h.clock.t).toBeLessThanOrEqual(500);
  });

  it('4001 stops reconnecting and asks for a new login; start() after login resumes with since', () => {
    const h = setup();
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: {} });
    h.last().recv({ type: 'subscribed', topics: [], seq: 10 });
    h.last().drop(CLOSE_AUTH);
    expect(h.hub.info.status).toBe('unauthorized');
    expect(h.authFailed()).toBe(1);
    h.clock.advance(60_000);
    expect(h.sockets).toHaveLength(1);
    h.setToken('tok2');
    h.hub.start();
    expect(h.last().url).toContain('tok2');
    h.welcome();
    expect(h.last().lastOp()).toMatchObject({ since: 10 });
  });

  it('a silent link (no pong) is dropped and resumed', () => {
    const h = setup();
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: {} });
    h.last().recv({ type: 'subscribed', topics: [], seq: 10 });
    h.clock.advance(10_000);
    expect(h.last().lastOp()).toMatchObject({ op: 'ping' });
    h.last().recv({ type: 'pong', id: 1, server_time: new Date(h.clock.t).toISOString() });
    h.clock.advance(10_000);
    expect(h.sockets).toHaveLength(1);
    const first = h.last();
    h.clock.advance(3_000); // second ping unanswered
    expect(first.closedWith).toBe(4000);
    expect(h.hub.info.status).toBe('reconnecting');
    h.clock.advance(1000);
    expect(h.sockets).toHaveLength(2);
  });

  it('offline waits for the network, reconnectNow resumes at once', () => {
    let online = true;
    const h = setup({ online: () => online });
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'snapshot', topic: 'station:grill', seq: 10, state: {} });
    h.last().recv({ type: 'subscribed', topics: [], seq: 10 });
    online = false;
    h.hub.offline();
    expect(h.hub.info.status).toBe('offline');
    expect(h.sockets[0].closedWith).toBe(4000);
    h.clock.advance(5000);
    expect(h.sockets).toHaveLength(1);
    online = true;
    h.hub.reconnectNow();
    expect(h.sockets).toHaveLength(2);
    h.welcome();
    expect(h.last().lastOp()).toMatchObject({ since: 10 });
  });

  it('reports refused topics and keeps the others', () => {
    const h = setup({ topics: ['station:grill', 'expo'] });
    const errors: string[] = [];
    h.hub.start();
    h.welcome();
    h.last().recv({ type: 'error', code: 'forbidden_topic', message: 'no', topic: 'expo' });
    expect(h.hub.info.refused).toEqual({ expo: 'forbidden_topic' });
    void errors;
  });

  it('stop() closes and never reconnects', () => {
    const h = setup();
    h.hub.start();
    h.welcome();
    h.hub.stop();
    expect(h.sockets[0].closedWith).toBe(1000);
    h.clock.advance(100_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.hub.info.status).toBe('stopped');
  });
});

describe('wsUrl with another API base', () => {
  it('follows an absolute API URL, or a prefix on this host', () => {
    expect(wsUrl(null, { protocol: 'https:', host: 'app.id' }, 'https://api.kenangan.id/api/v1/')).toBe('wss://api.kenangan.id/api/v1/ws');
    expect(wsUrl(null, { protocol: 'http:', host: 'h:8080' }, 'http://10.0.0.2:8080/api/v1')).toBe('ws://10.0.0.2:8080/api/v1/ws');
    expect(wsUrl(null, { protocol: 'https:', host: 'app.id' }, '/kenangan/api/v1')).toBe('wss://app.id/kenangan/api/v1/ws');
  });
});
