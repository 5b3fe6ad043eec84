// Screen state as pure functions of the server's snapshots and events. A screen's state
// changes only here, by applying events in seq order; the UI is a function of the result.
// Every reducer ignores an event whose seq it has already applied (duplicates after a resume
// cost nothing), and a snapshot replaces what was there.

import type {
  Availability,
  Item,
  Order,
  Product,
  Table,
  Ticket,
  TicketSummary,
} from './types';

export interface SeqEvent<D = unknown> {
  seq: number;
  kind: string;
  topic?: string;
  at?: string;
  data: D;
}

/**
 * An event's object: `data` is the changed object as REST returns it; tolerate it wrapped in a
 * `{"ticket": …}` / `{"order": …}` envelope too.
 */
export function payload<T>(data: unknown, key: 'ticket' | 'order'): Partial<T> {
  const d = (data ?? {}) as Record<string, unknown>;
  if (d.id === undefined && d[key] && typeof d[key] === 'object') return d[key] as Partial<T>;
  return d as Partial<T>;
}

/** True when `ev` was already applied to a state at `seq`. */
export function seen(seq: number | null, ev: { seq: number }): boolean {
  return seq !== null && ev.seq <= seq;
}

// ---- tickets (kitchen/bar display, expo) -------------------------------------------------

export const OPEN_TICKET: readonly string[] = ['fired', 'started', 'ready'];
const RECENT_MAX = 12;

export interface TicketBoard {
  seq: number | null;
  /** Fired, started and ready tickets, oldest first. */
  open: Ticket[];
  /** Served tickets, newest first, kept a while so they can be recalled. */
  recent: Ticket[];
  /** Ticket id → seq of its last change (the screen flashes tickets that just changed). */
  changed: Record<number, number>;
}

export const emptyBoard = (): TicketBoard => ({ seq: null, open: [], recent: [], changed: {} });

function arr<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

export function normalizeItem(i: Partial<Item>): Item {
  return {
    id: i.id ?? 0,
    order_id: i.order_id ?? 0,
    product_id: i.product_id ?? 0,
    name: i.name ?? '',
    unit_price: i.unit_price ?? 0,
    quantity: i.quantity ?? 1,
    modifiers: arr<string>(i.modifiers),
    notes: i.notes ?? '',
    course: i.course ?? 1,
    station: i.station ?? '',
    status: i.status ?? 'fired',
    ticket_id: i.ticket_id ?? null,
    added_late: i.added_late ?? false,
    allergens: arr<string>(i.allergens),
    void_reason: i.void_reason ?? null,
    voided_at: i.voided_at ?? null,
  };
}

/** Fills what an older or leaner payload may leave out, so the views never meet `undefined`. */
export function normalizeTicket(t: Partial<Ticket>): Ticket {
  return {
    id: t.id ?? 0,
    order_id: t.order_id ?? 0,
    station: t.station ?? '',
    course: t.course ?? 1,
    status: t.status ?? 'fired',
    rush: t.rush ?? false,
    recall_count: t.recall_count ?? 0,
    fired_at: t.fired_at ?? new Date(0).toISOString(),
    started_at: t.started_at ?? null,
    ready_at: t.ready_at ?? null,
    served_at: t.served_at ?? null,
    table_id: t.table_id ?? null,
    table_label: t.table_label ?? null,
    order_type: t.order_type ?? (t.table_label ? 'dine_in' : 'takeaway'),
    waiter_id: t.waiter_id ?? 0,
    waiter_name: t.waiter_name ?? '',
    covers: t.covers ?? 0,
    items: arr<Partial<Item>>(t.items).map(normalizeItem),
  };
}

function byFired(a: Ticket, b: Ticket): number {
  return a.fired_at < b.fired_at ? -1 : a.fired_at > b.fired_at ? 1 : a.id - b.id;
}

/**
 * A board from a `snapshot` state (`{"tickets": [...]}`) at `seq`. `station` keeps only that
 * station's tickets (a station topic holds only its own anyway).
 */
export function boardFromSnapshot(state: unknown, seq: number, station?: string): TicketBoard {
  const tickets = arr<Partial<Ticket>>((state as { tickets?: unknown } | null)?.tickets)
    .map(normalizeTicket)
    .filter((t) => OPEN_TICKET.includes(t.status) && (!station || t.station === station))
    .sort(byFired);
  return { seq, open: tickets, recent: [], changed: {} };
}

/** Applies one `ticket.*` event (others only advance the seq). */
export function applyTicketEvent(b: TicketBoard, ev: SeqEvent, station?: string): TicketBoard {
  if (seen(b.seq, ev)) return b;
  if (!ev.kind.startsWith('ticket.')) return { ...b, seq: ev.seq };
  const t = normalizeTicket(payload<Ticket>(ev.data, 'ticket'));
  if (station && t.station !== station) return { ...b, seq: ev.seq };
  const open = b.open.filter((x) => x.id !== t.id);
  let recent = b.recent.filter((x) => x.id !== t.id);
  if (OPEN_TICKET.includes(t.status)) {
    open.push(t);
    open.sort(byFired);
  } else if (t.status === 'served') {
    recent = [t, ...recent].slice(0, RECENT_MAX);
  }
  // Remember changes only of tickets still on screen (a long shift must not grow this).
  const changed: Record<number, number> = { [t.id]: ev.seq };
  for (const x of [...open, ...recent]) if (b.changed[x.id] !== undefined && x.id !== t.id) changed[x.id] = b.changed[x.id];
  return { seq: ev.seq, open, recent, changed };
}

/** Tickets still being cooked (fired or started): rushed first, then oldest first. */
export function cooking(b: TicketBoard): Ticket[] {
  return b.open
    .filter((t) => t.status === 'fired' || t.status === 'started')
    .sort((a, c) => Number(c.rush) - Number(a.rush) || byFired(a, c));
}

/** Bumped (ready) tickets, newest bump first, then served ones: what the cook can recall. */
export function bumped(b: TicketBoard): Ticket[] {
  const ready = b.open
    .filter((t) => t.status === 'ready')
    .sort((a, c) => (c.ready_at ?? '').localeCompare(a.ready_at ?? ''));
  return [...ready, ...b.recent];
}

export interface AllDayLine {
  name: string;
  quantity: number;
}

/**
 * The all-day panel: how many of each item are still to cook across open tickets (items fired
 * but not yet ready, of tickets that are fired or started). Most first, then by name.
 */
export function allDay(tickets: Ticket[]): AllDayLine[] {
  const counts = new Map<string, number>();
  for (const t of tickets) {
    if (t.status !== 'fired' && t.status !== 'started') continue;
    for (const i of t.items) {
      if (i.status !== 'fired') continue;
      counts.set(i.name, (counts.get(i.name) ?? 0) + i.quantity);
    }
  }
  return [...counts.entries()]
    .map(([name, quantity]) => ({ name, quantity }))
    .sort((a, b) => b.quantity - a.quantity || a.name.localeCompare(b.name));
}

// ---- ages and colours --------------------------------------------------------------------

export interface Thresholds {
  /** Minutes after which a ticket turns yellow. */
  warnMin: number;
  /** Minutes after which a ticket turns red. */
  lateMin: number;
}
export const DEFAULT_THRESHOLDS: Thresholds = { warnMin: 5, lateMin: 8 };

export type AgeLevel = 'fresh' | 'warn' | 'late';

export function ageMs(since: string, nowMs: number): number {
  const t = Date.parse(since);
  return Number.isNaN(t) ? 0 : Math.max(0, nowMs - t);
}

export function ageLevel(ms: number, th: Thresholds = DEFAULT_THRESHOLDS): AgeLevel {
  if (ms >= th.lateMin * 60_000) return 'late';
  if (ms >= th.warnMin * 60_000) return 'warn';
  return 'fresh';
}

/** `m:ss` below an hour, `h:mm:ss` above. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Thresholds from a query string (`?warn=4&late=7`), else the given defaults; late > warn. */
export function thresholdsFrom(search: string, fallback = DEFAULT_THRESHOLDS): Thresholds {
  const q = new URLSearchParams(search);
  const num = (k: string, d: number) => {
    const v = Number(q.get(k));
    return q.has(k) && Number.isFinite(v) && v > 0 ? v : d;
  };
  const warnMin = num('warn', fallback.warnMin);
  const lateMin = num('late', fallback.lateMin);
  return lateMin > warnMin ? { warnMin, lateMin } : { warnMin, lateMin: warnMin + 1 };
}

// ---- orders (waiter app) -----------------------------------------------------------------

export interface ReadyNotice {
  seq: number;
  ticketId: number;
  orderId: number;
  table: string | null;
  station: string;
}

export interface OrderBook {
  seq: number | null;
  /** Open orders by id. */
  orders: Record<number, Order>;
  /** "Table 7 — ready" notices, newest first. */
  notices: ReadyNotice[];
}

export const emptyBook = (): OrderBook => ({ seq: null, orders: {}, notices: [] });

function normalizeOrder(o: Partial<Order>): Order {
  return {
    ...(o as Order),
    table_label: o.table_label ?? null,
    waiter_name: o.waiter_name ?? '',
    covers: o.covers ?? 0,
    notes: o.notes ?? '',
    subtotal: o.subtotal ?? 0,
    tax: o.tax ?? 0,
    service_charge: o.service_charge ?? 0,
    total: o.total ?? 0,
    version: o.version ?? 1,
    items: arr<Partial<Item>>(o.items).map(normalizeItem),
    tickets: arr<TicketSummary>(o.tickets),
  };
}

export function bookFromSnapshot(state: unknown, seq: number, prev?: OrderBook): OrderBook {
  const orders: Record<number, Order> = {};
  for (const o of arr<Partial<Order>>((state as { orders?: unknown } | null)?.orders)) {
    if (o.status === undefined || o.status === 'open') orders[o.id ?? 0] = normalizeOrder(o);
  }
  return { seq, orders, notices: prev?.notices ?? [] };
}

/**
 * The notices still worth showing: the ticket is still ready (not served, recalled or voided
 * since — e.g. after a replay of a whole afternoon) and its order still open.
 */
export function liveNotices(notices: ReadyNotice[], b: OrderBook): ReadyNotice[] {
  return notices.filter((n) => b.orders[n.orderId]?.tickets.some((k) => k.id === n.ticketId && k.status === 'ready'));
}

/** A `ticket.ready` event as a notice for the waiter, else null. */
export function readyNotice(ev: SeqEvent): ReadyNotice | null {
  if (ev.kind !== 'ticket.ready') return null;
  const t = payload<Ticket>(ev.data, 'ticket');
  return {
    seq: ev.seq,
    ticketId: t.id ?? 0,
    orderId: t.order_id ?? 0,
    table: t.table_label ?? null,
    station: t.station ?? '',
  };
}

export function applyOrderEvent(b: OrderBook, ev: SeqEvent): OrderBook {
  if (seen(b.seq, ev)) return b;
  if (ev.kind.startsWith('order.')) {
    const o = normalizeOrder(payload<Order>(ev.data, 'order'));
    const orders = { ...b.orders };
    if (o.status === 'open') orders[o.id] = o;
    else delete orders[o.id];
    return { ...b, seq: ev.seq, orders };
  }
  if (ev.kind.startsWith('ticket.')) {
    const t = normalizeTicket(payload<Ticket>(ev.data, 'ticket'));
    const notice = readyNotice(ev);
    const notices = notice ? [notice, ...b.notices].slice(0, 20) : b.notices;
    const o = b.orders[t.order_id];
    if (!o) return { ...b, seq: ev.seq, notices };
    const { items: tItems, ...summary } = t;
    const tickets = o.tickets.some((x) => x.id === t.id)
      ? o.tickets.map((x) => (x.id === t.id ? summary : x))
      : [...o.tickets, summary];
    const byId = new Map(tItems.map((i) => [i.id, i]));
    const items = o.items.map((i) => {
      const n = byId.get(i.id);
      return n ? { ...i, status: n.status, ticket_id: n.ticket_id ?? i.ticket_id } : i;
    });
    return { ...b, seq: ev.seq, notices, orders: { ...b.orders, [o.id]: { ...o, tickets, items } } };
  }
  return { ...b, seq: ev.seq };
}

// ---- floor (tables, availability) --------------------------------------------------------

export interface FloorState {
  seq: number | null;
  tables: Record<number, Table>;
  availability: Record<number, Availability>;
}

export const emptyFloor = (): FloorState => ({ seq: null, tables: {}, availability: {} });

export function floorFromSnapshot(state: unknown, seq: number, prev?: FloorState): FloorState {
  const s = (state ?? {}) as { tables?: unknown; availability?: unknown };
  const tables: Record<number, Table> = {};
  for (const t of arr<Table>(s.tables)) tables[t.id] = t;
  let availability: Record<number, Availability> = prev?.availability ?? {};
  if (Array.isArray(s.availability)) {
    availability = {};
    for (const a of arr<Availability>(s.availability)) availability[a.product_id] = a;
  }
  return { seq, tables, availability };
}

export function applyFloorEvent(f: FloorState, ev: SeqEvent): FloorState {
  if (seen(f.seq, ev)) return f;
  switch (ev.kind) {
    case 'table.status': {
      const t = ev.data as Table;
      return { ...f, seq: ev.seq, tables: { ...f.tables, [t.id]: t } };
    }
    case 'product.availability': {
      const a = ev.data as Availability;
      return { ...f, seq: ev.seq, availability: { ...f.availability, [a.product_id]: a } };
    }
    case 'product.created':
    case 'product.updated': {
      const p = ev.data as Product;
      const a = { product_id: p.id, name: p.name, is_available: p.is_available };
      return { ...f, seq: ev.seq, availability: { ...f.availability, [p.id]: a } };
    }
    default:
      return { ...f, seq: ev.seq };
  }
}

/** Whether a product may be ordered: live availability wins over the menu loaded at start. */
export function isAvailable(p: Product, f: FloorState): boolean {
  return f.availability[p.id]?.is_available ?? p.is_available;
}

/** Tables in label order (T2 before T10). */
export function sortedTables(f: FloorState): Table[] {
  return Object.values(f.tables).sort((a, b) =>
    a.label.localeCompare(b.label, undefined, { numeric: true }),
  );
}
