// The one WebSocket client every screen uses (docs/protocol.md, DESIGN §6).
//
// connect `ws(s)://host/api/v1/ws?token=<jwt>` → `welcome` → we send
// `{"op":"subscribe","topics":[…],"since":<last applied seq|null>,"epoch":…}` → the server
// answers with `snapshot` frames (since null or too old) or replays what we missed as `event`
// frames, then `subscribed`, then live `event` frames. Every event carries `prev`, the seq of
// the event sent before it on this connection (or the since/snapshot seq): when `prev` is not
// the last seq we applied, something was lost and we resume from the last applied seq on a
// fresh connection. Duplicates (seq ≤ last applied) are dropped. Close 4001 means log in again;
// anything else (4008 too slow, 1012 restart, network loss) means reconnect with back-off and
// jitter, then resume with `since`.

export interface WelcomeFrame {
  type: 'welcome';
  user: { id: number; username: string; role: string };
  head: number;
  epoch?: number;
  server_time?: string;
  session?: string;
}
export interface SnapshotFrame {
  type: 'snapshot';
  topic: string;
  seq: number;
  epoch?: number;
  state: unknown;
}
export interface EventFrame<D = unknown> {
  type: 'event';
  seq: number;
  prev: number;
  topic: string;
  kind: string;
  at: string;
  data: D;
}
export interface SubscribedFrame {
  type: 'subscribed';
  topics: string[];
  seq: number;
  replayed?: number;
  snapshot?: boolean;
}
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  topic?: string;
}
export interface PresenceFrame {
  type: 'presence';
  change: string;
  screen?: unknown;
  screens?: unknown[];
  stations?: { code: string; name: string; screens: number }[];
}
export type ServerFrame =
  | WelcomeFrame
  | SnapshotFrame
  | EventFrame
  | SubscribedFrame
  | ErrorFrame
  | PresenceFrame
  | { type: 'pong'; id?: unknown; server_time?: string }
  | { type: 'unsubscribed'; topics: string[] }
  | { type: 'auth_ok'; expires_at?: string };

export const CLOSE_AUTH = 4001;
export const CLOSE_SLOW = 4008;
export const CLOSE_RESTART = 1012;
/** Our own close code when we drop a connection to resume (gap, dead peer, offline). */
export const CLOSE_RESYNC = 4000;

export type SeqCheck = 'apply' | 'duplicate' | 'gap';

/**
 * What to do with an event, given the last seq applied on this connection (null before the
 * first snapshot or since). Pure, so it can be tested alone.
 */
export function checkSeq(last: number | null, ev: { seq: number; prev: number }): SeqCheck {
  if (last !== null && ev.seq <= last) return 'duplicate';
  if (last === null || ev.prev !== last) return 'gap';
  return 'apply';
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 10_000 };

/**
 * Delay before reconnect attempt number `attempt` (0-based): exponential, capped, with "equal
 * jitter" — half fixed, half random — so a kitchen full of tablets does not reconnect in step
 * after a restart, and no attempt comes sooner than half the exponential step.
 */
export function backoffDelay(attempt: number, random: () => number, o = DEFAULT_BACKOFF): number {
  const step = Math.min(o.capMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + random() * (step / 2));
}

export type ConnStatus =
  | 'connecting' // first connection of this screen
  | 'live' // subscribed, events flowing
  | 'reconnecting' // lost; waiting for the next attempt or connecting again
  | 'offline' // the device says it has no network; we wait for it to come back
  | 'unauthorized' // 4001: the token is no good; log in again
  | 'stopped';

export interface ConnInfo {
  status: ConnStatus;
  /** Failed attempts in a row (0 once subscribed). */
  attempt: number;
  /** When the next attempt starts (ms since epoch), while reconnecting. */
  retryAt: number | null;
  /** The last seq applied. */
  lastSeq: number | null;
  /** Set when a resume finished: how many missed events were replayed, or whether a fresh snapshot was needed. */
  caughtUp: { replayed: number; snapshot: boolean; at: number } | null;
  /** Server clock minus ours, from `welcome`/`pong` (ms); timers use it. */
  serverOffsetMs: number;
  /** The last close code seen, for the banner's tooltip. */
  closeCode: number | null;
  /** Refused topics (code per topic). */
  refused: Record<string, string>;
}

export interface HubHandlers {
  snapshot(topic: string, state: unknown, seq: number): void;
  event(ev: EventFrame): void;
  presence?(f: PresenceFrame): void;
  error?(f: ErrorFrame): void;
  status?(info: ConnInfo): void;
  authFailed?(): void;
}

/** The part of the browser's WebSocket the client needs (so tests can pass a fake). */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

export interface HubOptions {
  /** The WebSocket URL (a function, so a changed token or host is picked up). */
  url: () => string;
  /**
   * The JWT, sent as the first frame (`{"op":"auth","token":…}`) so it stays out of URLs and
   * proxy logs. Without it the token must be in the URL (`?token=`).
   */
  token?: () => string;
  topics: string[];
  handlers: HubHandlers;
  socket?: SocketFactory;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** Send `{"op":"ping"}` this often while live; no answer within `pongTimeoutMs` = dead link. */
  heartbeatMs?: number;
  pongTimeoutMs?: number;
  /** Whether the device believes it is online (navigator.onLine). */
  online?: () => boolean;
  /** While the device says it is offline, still try this often (navigator.onLine can be wrong). */
  offlineRetryMs?: number;
}

/**
 * The hub's URL: `<api base>/ws` with the page's scheme and host unless the API base is an
 * absolute URL; with `token`, the token goes in the query string.
 */
export function wsUrl(
  token: string | null,
  loc: { protocol: string; host: string } = location,
  apiBase = '/api/v1',
): string {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const abs = /^https?:\/\//.exec(apiBase);
  if (abs) return `${apiBase.replace(/^http/, 'ws').replace(/\/$/, '')}/ws${q}`;
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}${apiBase.replace(/\/$/, '')}/ws${q}`;
}

export class HubClient {
  private o: Required<Omit<HubOptions, 'handlers' | 'token'>> & Pick<HubOptions, 'token'> & { handlers: HubHandlers };
  private ws: SocketLike | null = null;
  private epoch: number | null = null;
  private subscribedOnce = false;
  /** Since value sent with this connection's subscribe (null = snapshot asked). */
  private resumeFrom: number | null = null;
  private appliedSinceSubscribe = 0;
  private retryTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private pongTimer: unknown = null;
  private pingId = 0;
  /** Gap resyncs in a row without a clean subscribe; past a few, back off like any failure. */
  private resyncs = 0;
  info: ConnInfo = {
    status: 'stopped',
    attempt: 0,
    retryAt: null,
    lastSeq: null,
    caughtUp: null,
    serverOffsetMs: 0,
    closeCode: null,
    refused: {},
  };

  constructor(opts: HubOptions) {
    this.o = {
      ...opts,
      socket: opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike),
      clock: opts.clock ?? browserClock,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      pongTimeoutMs: opts.pongTimeoutMs ?? 6_000,
      offlineRetryMs: opts.offlineRetryMs ?? 60_000,
      online:
        opts.online ?? (() => (typeof navigator === 'undefined' ? true : navigator.onLine !== false)),
    };
  }

  get topics(): string[] {
    return this.o.topics;
  }

  start(): void {
    if (this.info.status !== 'stopped' && this.info.status !== 'unauthorized') return;
    this.set({ status: 'connecting', attempt: 0 });
    this.open();
  }

  stop(): void {
    this.clearTimers();
    this.detach(1000, 'screen closed');
    this.set({ status: 'stopped', retryAt: null });
  }

  /** The network is back (or the tab became visible): try now instead of waiting. */
  reconnectNow(): void {
    if (this.info.status === 'stopped' || this.info.status === 'unauthorized') return;
    if (this.ws && this.info.status === 'live') return;
    if (this.ws && this.ws.readyState <= 1) return; // already connecting
    this.clearRetry();
    this.open();
  }

  /** The session got a fresh token: hand it to the open socket so the server does not close
   *  it with 4001 when the old one expires. A socket still connecting sends it on open. */
  reauth(): void {
    if (this.ws && this.ws.readyState === 1 && this.o.token) this.send({ op: 'auth', token: this.o.token() });
  }

  /** The device lost its network: drop the socket now rather than wait for TCP to notice. */
  offline(): void {
    if (this.info.status === 'stopped' || this.info.status === 'unauthorized') return;
    this.clearTimers();
    this.detach(CLOSE_RESYNC, 'offline');
    this.set({ status: 'offline', retryAt: null });
    // navigator.onLine can be wrong: still try now and then.
    this.schedule(this.o.offlineRetryMs);
  }

  private set(p: Partial<ConnInfo>): void {
    this.info = { ...this.info, ...p };
    this.o.handlers.status?.(this.info);
  }

  private open(): void {
    this.detach(CLOSE_RESYNC, 'reconnecting');
    let ws: SocketLike;
    try {
      ws = this.o.socket(this.o.url());
    } catch {
      this.lost(1006);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      if (this.o.token) this.send({ op: 'auth', token: this.o.token() });
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      this.onFrame(m.data);
    };
    ws.onclose = (c) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.lost(c.code);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  /** Forget a socket: its late events are ignored from now on. */
  private detach(code: number, reason: string): void {
    const ws = this.ws;
    this.ws = null;
    this.stopHeartbeat();
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
      ws.onerror = null;
      try {
        ws.close(code, reason);
      } catch {
        /* already closed */
      }
    }
  }

  private send(op: unknown): void {
    try {
      this.ws?.send(JSON.stringify(op));
    } catch {
      /* the close handler will follow */
    }
  }

  private onFrame(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let f: ServerFrame;
    try {
      f = JSON.parse(raw) as ServerFrame;
    } catch {
      return;
    }
    this.clearPong();
    switch (f.type) {
      case 'welcome':
        return this.onWelcome(f);
      case 'snapshot':
        this.info.lastSeq = f.seq;
        this.o.handlers.snapshot(f.topic, f.state, f.seq);
        return;
      case 'event':
        return this.onEvent(f);
      case 'subscribed':
        return this.onSubscribed(f);
      case 'error':
        if (f.topic) this.set({ refused: { ...this.info.refused, [f.topic]: f.code } });
        this.o.handlers.error?.(f);
        return;
      case 'presence':
        this.o.handlers.presence?.(f);
        return;
      case 'pong':
        if (f.server_time) this.offsetFrom(f.server_time);
        return;
      default:
        return;
    }
  }

  private offsetFrom(serverTime: string): void {
    const t = Date.parse(serverTime);
    if (!Number.isNaN(t)) this.info.serverOffsetMs = t - this.o.clock.now();
  }

  private onWelcome(f: WelcomeFrame): void {
    if (f.server_time) this.offsetFrom(f.server_time);
    let since = this.info.lastSeq;
    // A restored database (new epoch) or a log that went backwards cannot be resumed: start over.
    if (f.epoch !== undefined && this.epoch !== null && f.epoch !== this.epoch) since = null;
    if (since !== null && typeof f.head === 'number' && f.head < since) since = null;
    if (f.epoch !== undefined) this.epoch = f.epoch;
    this.info.lastSeq = since;
    this.resumeFrom = since;
    this.appliedSinceSubscribe = 0;
    const op: Record<string, unknown> = { op: 'subscribe', topics: this.o.topics, since };
    if (since !== null && this.epoch !== null) op.epoch = this.epoch;
    this.send(op);
  }

  private onEvent(f: EventFrame): void {
    const c = checkSeq(this.info.lastSeq, f);
    if (c === 'duplicate') return;
    if (c === 'gap') {
      this.resync();
      return;
    }
    this.info.lastSeq = f.seq;
    this.appliedSinceSubscribe++;
    this.o.handlers.event(f);
  }

  private onSubscribed(f: SubscribedFrame): void {
    const resumed = this.resumeFrom !== null || this.subscribedOnce;
    const caughtUp = resumed
      ? {
          replayed: typeof f.replayed === 'number' ? f.replayed : this.appliedSinceSubscribe,
          snapshot: f.snapshot === true,
          at: this.o.clock.now(),
        }
      : null;
    this.subscribedOnce = true;
    this.resyncs = 0;
    this.set({ status: 'live', attempt: 0, retryAt: null, caughtUp, closeCode: null });
    this.startHeartbeat();
  }

  /** Something was lost: resume from the last applied seq on a fresh connection. */
  resync(): void {
    this.resyncs++;
    this.detach(CLOSE_RESYNC, 'gap; resuming');
    if (this.resyncs <= 2) {
      this.set({ status: 'reconnecting', retryAt: null });
      this.open();
    } else {
      this.lost(CLOSE_RESYNC);
    }
  }

  private lost(code: number): void {
    this.stopHeartbeat();
    if (this.info.status === 'stopped') return;
    if (code === CLOSE_AUTH) {
      this.clearTimers();
      this.set({ status: 'unauthorized', closeCode: code, retryAt: null });
      this.o.handlers.authFailed?.();
      return;
    }
    // A restart (1012) is expected and brief: first attempt soon, still jittered.
    const attempt = code === CLOSE_RESTART ? 0 : this.info.attempt;
    const delay = backoffDelay(attempt, () => this.o.clock.random(), this.o.backoff);
    const status: ConnStatus = this.o.online() ? 'reconnecting' : 'offline';
    this.set({ status, closeCode: code, attempt: this.info.attempt + 1 });
    this.schedule(status === 'offline' ? this.o.offlineRetryMs : delay);
  }

  private schedule(ms: number): void {
    this.clearRetry();
    this.set({ retryAt: this.o.clock.now() + ms });
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = null;
      this.set({ retryAt: null });
      this.open();
    }, ms);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.beat();
  }

  private beat(): void {
    this.heartbeatTimer = this.o.clock.setTimeout(() => {
      this.heartbeatTimer = null;
      if (!this.ws) return;
      this.send({ op: 'ping', id: ++this.pingId });
      if (this.pongTimer === null) {
        this.pongTimer = this.o.clock.setTimeout(() => {
          this.pongTimer = null;
          // No answer: the link is dead even if the socket has not noticed.
          this.detach(CLOSE_RESYNC, 'no pong');
          this.lost(1006);
        }, this.o.pongTimeoutMs);
      }
      this.beat();
    }, this.o.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) this.o.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.clearPong();
  }

  private clearPong(): void {
    if (this.pongTimer !== null) this.o.clock.clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearTimers(): void {
    this.clearRetry();
    this.stopHeartbeat();
  }
}
