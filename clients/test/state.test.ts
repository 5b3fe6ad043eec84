import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  ageLevel,
  ageMs,
  allDay,
  applyFloorEvent,
  applyOrderEvent,
  applyTicketEvent,
  boardFromSnapshot,
  bookFromSnapshot,
  bumped,
  cooking,
  floorFromSnapshot,
  formatAge,
  isAvailable,
  sortedTables,
  thresholdsFrom,
  type SeqEvent,
  type TicketBoard,
} from '../src/lib/state';
import type { Order, Product, Ticket } from '../src/lib/types';
import { rupiah } from '../src/lib/money';

function ticket(id: number, over: Partial<Ticket> = {}): Ticket {
  return {
    id, order_id: 100 + id, station: 'grill', course: 1, status: 'fired', rush: false, recall_count: 0,
    fired_at: `2025-01-01T10:0${id % 10}:00Z`, started_at: null, ready_at: null, served_at: null,
    table_id: id, table_label: `T${id}`, order_type: 'dine_in', waiter_id: 4, waiter_name: 'Wayan', covers: 2,
    items: [
      { id: id * 10, order_id: 100 + id, product_id: 1, name: 'Sirloin', unit_price: 185000, quantity: 2, modifiers: ['medium'], notes: '',
        course: 1, station: 'grill', status: 'fired', ticket_id: id, added_late: false, allergens: [], void_reason: null, voided_at: null },
    ],
    ...over,
  };
}
const ev = (seq: number, kind: string, data: unknown): SeqEvent => ({ seq, kind, data });

function apply(b: TicketBoard, evs: SeqEvent[], station?: string): TicketBoard {
  return evs.reduce((acc, e) => applyTicketEvent(acc, e, station), b);
}

describe('ticket board', () => {
  it('starts from a snapshot (open tickets of the station, oldest first)', () => {
    const b = boardFromSnapshot({ tickets: [ticket(3), ticket(1), ticket(2, { station: 'bar' }), ticket(4, { status: 'served' })] }, 20, 'grill');
    expect(b.seq).toBe(20);
    expect(b.open.map((t) => t.id)).toEqual([1, 3]);
  });

  it('applies events in seq order: fired, started, ready, served, recall', () => {
    let b = boardFromSnapshot({ tickets: [] }, 10);
    b = apply(b, [ev(11, 'ticket.fired', ticket(1)), ev(12, 'ticket.fired', ticket(2))]);
    expect(cooking(b).map((t) => t.id)).toEqual([1, 2]);
    b = apply(b, [ev(13, 'ticket.started', ticket(1, { status: 'started' }))]);
    expect(b.open.find((t) => t.id === 1)?.status).toBe('started');
    b = apply(b, [ev(14, 'ticket.ready', ticket(1, { status: 'ready', ready_at: '2025-01-01T10:09:00Z' }))]);
    expect(cooking(b).map((t) => t.id)).toEqual([2]);
    expect(bumped(b).map((t) => t.id)).toEqual([1]);
    b = apply(b, [ev(15, 'ticket.served', ticket(1, { status: 'served' }))]);
    expect(b.open.map((t) => t.id)).toEqual([2]);
    expect(b.recent.map((t) => t.id)).toEqual([1]);
    b = apply(b, [ev(16, 'ticket.recalled', ticket(1, { status: 'started', recall_count: 1 }))]);
    expect(cooking(b).map((t) => t.id)).toEqual([1, 2]);
    expect(b.recent).toEqual([]);
    expect(b.seq).toBe(16);
    expect(b.changed[1]).toBe(16);
  });

  it('ignores duplicates and events already covered by the snapshot', () => {
    let b = boardFromSnapshot({ tickets: [ticket(1)] }, 10);
    const same = applyTicketEvent(b, ev(9, 'ticket.fired', ticket(9)));
    expect(same).toBe(b);
    b = apply(b, [ev(11, 'ticket.fired', ticket(2)), ev(11, 'ticket.fired', ticket(2)), ev(10, 'ticket.voided', ticket(1, { status: 'voided' }))]);
    expect(b.open.map((t) => t.id)).toEqual([1, 2]);
  });

  it('a resumed stream gives the same board as an unbroken one (no ghost, no duplicate, no loss)', () => {
    const all = [
      ev(11, 'ticket.fired', ticket(1)),
      ev(12, 'ticket.fired', ticket(2)),
      ev(13, 'ticket.ready', ticket(1, { status: 'ready' })),
      ev(14, 'ticket.voided', ticket(2, { status: 'voided' })),
      ev(15, 'ticket.fired', ticket(3)),
    ];
    const straight = apply(boardFromSnapshot({ tickets: [] }, 10), all);
    // Dropped after 12; the resume replays from since=12, with an overlap delivered twice.
    const before = apply(boardFromSnapshot({ tickets: [] }, 10), all.slice(0, 2));
    const resumed = apply(before, [all[1], ...all.slice(2)]);
    expect(resumed.open).toEqual(straight.open);
    expect(resumed.open.map((t) => t.id)).toEqual([1, 3]);
  });

  it('a voided ticket leaves the screen; other stations are filtered out', () => {
    let b = boardFromSnapshot({ tickets: [ticket(1)] }, 10, 'grill');
    b = apply(b, [ev(11, 'ticket.fired', ticket(2, { station: 'bar' })), ev(12, 'ticket.voided', ticket(1, { status: 'voided' }))], 'grill');
    expect(b.open).toEqual([]);
    expect(b.seq).toBe(12);
  });

  it('a snapshot replaces the board', () => {
    let b = apply(boardFromSnapshot({ tickets: [ticket(1)] }, 10), [ev(11, 'ticket.fired', ticket(2))]);
    b = boardFromSnapshot({ tickets: [ticket(5)] }, 40);
    expect(b.open.map((t) => t.id)).toEqual([5]);
    expect(b.seq).toBe(40);
  });

  it('rushed tickets come first', () => {
    const b = boardFromSnapshot({ tickets: [ticket(1), ticket(2, { rush: true }), ticket(3)] }, 1);
    expect(cooking(b).map((t) => t.id)).toEqual([2, 1, 3]);
  });

  it('fills fields a lean payload leaves out', () => {
    const b = boardFromSnapshot({ tickets: [{ id: 7, station: 'grill', status: 'fired', fired_at: '2025-01-01T10:00:00Z', items: [{ id: 1, name: 'Soup', quantity: 1 }] }] }, 1);
    expect(b.open[0].items[0]).toMatchObject({ modifiers: [], allergens: [], added_late: false, status: 'fired' });
    expect(b.open[0].order_type).toBe('takeaway');
  });
});

describe('all-day counts', () => {
  it('sums open items across tickets, most first', () => {
    const t1 = ticket(1);
    const t2 = ticket(2, {
      items: [
        { ...ticket(2).items[0], quantity: 1 },
        { ...ticket(2).items[0], id: 99, name: 'Fries', quantity: 3 },
        { ...ticket(2).items[0], id: 98, name: 'Soup', quantity: 5, status: 'voided' },
        { ...ticket(2).items[0], id: 97, name: 'Salad', quantity: 4, status: 'ready' },
      ],
    });
    const t3 = ticket(3, { status: 'ready' });
    expect(allDay([t1, t2, t3])).toEqual([
      { name: 'Fries', quantity: 3 },
      { name: 'Sirloin', quantity: 3 },
    ]);
    expect(allDay([])).toEqual([]);
  });
});

describe('ages and colours', () => {
  const at = Date.parse('2025-01-01T10:00:00Z');
  it('turns yellow at 5 minutes and red at 8 by default', () => {
    expect(ageLevel(ageMs('2025-01-01T10:00:00Z', at + 4 * 60_000 + 59_000))).toBe('fresh');
    expect(ageLevel(ageMs('2025-01-01T10:00:00Z', at + 5 * 60_000))).toBe('warn');
    expect(ageLevel(ageMs('2025-01-01T10:00:00Z', at + 7 * 60_000 + 59_000))).toBe('warn');
    expect(ageLevel(ageMs('2025-01-01T10:00:00Z', at + 8 * 60_000))).toBe('late');
  });
  it('follows configured thresholds', () => {
    const th = { warnMin: 2, lateMin: 3 };
    expect(ageLevel(2 * 60_000, th)).toBe('warn');
    expect(ageLevel(3 * 60_000, th)).toBe('late');
    expect(thresholdsFrom('?warn=2&late=3')).toEqual(th);
    expect(thresholdsFrom('')).toEqual(DEFAULT_THRESHOLDS);
    expect(thresholdsFrom('?warn=x&late=-1')).toEqual(DEFAULT_THRESHOLDS);
    expect(thresholdsFrom('?warn=9')).toEqual({ warnMin: 9, lateMin: 10 });
  });
  it('never goes negative when clocks disagree, and formats m:ss', () => {
    expect(ageMs('2025-01-01T10:00:00Z', at - 5000)).toBe(0);
    expect(formatAge(0)).toBe('0:00');
    expect(formatAge(65_000)).toBe('1:05');
    expect(formatAge(3_725_000)).toBe('1:02:05');
  });
});

function order(id: number, over: Partial<Order> = {}): Order {
  return {
    id, table_id: 7, table_label: 'T7', order_type: 'dine_in', status: 'open', waiter_id: 4, waiter_name: 'Wayan', covers: 2,
    notes: '', subtotal: 370000, tax: 42735, service_charge: 18500, total: 431235, version: 1,
    created_at: '', updated_at: '', items: ticket(1, { order_id: id }).items.map((i) => ({ ...i, order_id: id })),
    tickets: [], ...over,
  };
}

describe('order book (waiter)', () => {
  it('tracks open orders and tells the waiter when a ticket is ready', () => {
    let b = bookFromSnapshot({ orders: [order(101)] }, 5);
    const t = ticket(1);
    b = applyOrderEvent(b, ev(6, 'ticket.fired', t));
    expect(b.orders[101].tickets.map((x) => x.status)).toEqual(['fired']);
    b = applyOrderEvent(b, ev(7, 'ticket.ready', { ...t, status: 'ready', items: t.items.map((i) => ({ ...i, status: 'ready' })) }));
    expect(b.orders[101].tickets[0].status).toBe('ready');
    expect(b.orders[101].items[0].status).toBe('ready');
    expect(b.notices).toEqual([{ seq: 7, ticketId: 1, orderId: 101, table: 'T1', station: 'grill' }]);
    const again = applyOrderEvent(b, ev(7, 'ticket.ready', t));
    expect(again.notices).toHaveLength(1);
    b = applyOrderEvent(b, ev(8, 'order.paid', order(101, { status: 'paid' })));
    expect(b.orders[101]).toBeUndefined();
    b = applyOrderEvent(b, ev(9, 'order.created', order(102)));
    expect(Object.keys(b.orders)).toEqual(['102']);
  });
});

describe('floor', () => {
  const table = (id: number, label: string, status = 'free') => ({
    id, label, area: 'Main', capacity: 4, status, covers: null, waiter_id: null, current_order_id: null, seated_at: null, status_changed_at: '',
  });
  it('applies table status and availability, in label order', () => {
    let f = floorFromSnapshot({ tables: [table(10, 'T10'), table(2, 'T2')], availability: [{ product_id: 1, name: 'Sirloin', is_available: true }] }, 3);
    expect(sortedTables(f).map((t) => t.label)).toEqual(['T2', 'T10']);
    f = applyFloorEvent(f, ev(4, 'table.status', { ...table(2, 'T2'), status: 'seated', covers: 3 }));
    f = applyFloorEvent(f, ev(5, 'product.availability', { product_id: 1, name: 'Sirloin', is_available: false }));
    expect(f.tables[2].status).toBe('seated');
    const p = { id: 1, is_available: true } as Product;
    expect(isAvailable(p, f)).toBe(false);
    expect(isAvailable({ ...p, id: 2 }, f)).toBe(true);
    expect(applyFloorEvent(f, ev(4, 'table.status', table(2, 'T2')))).toBe(f);
  });
});

describe('rupiah', () => {
  it('formats for Indonesia', () => {
    expect(rupiah(125000)).toBe('Rp 125.000');
    expect(rupiah(1250000)).toBe('Rp 1.250.000');
    expect(rupiah(0)).toBe('Rp 0');
  });
});

describe('payloads', () => {
  it('accepts a ticket wrapped as {"ticket": …}', () => {
    const b = applyTicketEvent(boardFromSnapshot({ tickets: [] }, 1), ev(2, 'ticket.fired', { ticket: ticket(4) }));
    expect(b.open.map((t) => t.id)).toEqual([4]);
  });
});

describe('waiter notices', () => {
  it('a notice goes once its ticket is served, recalled, or its order closed', async () => {
    const { liveNotices } = await import('../src/lib/state');
    const t = ticket(1);
    let b = bookFromSnapshot({ orders: [order(101)] }, 5);
    b = applyOrderEvent(b, ev(6, 'ticket.fired', t));
    b = applyOrderEvent(b, ev(7, 'ticket.ready', { ...t, status: 'ready' }));
    expect(liveNotices(b.notices, b)).toHaveLength(1);
    const served = applyOrderEvent(b, ev(8, 'ticket.served', { ...t, status: 'served' }));
    expect(liveNotices(served.notices, served)).toHaveLength(0);
    const paid = applyOrderEvent(b, ev(8, 'order.paid', order(101, { status: 'paid' })));
    expect(liveNotices(paid.notices, paid)).toHaveLength(0);
  });
  it('a board forgets changes of tickets that left it', () => {
    let b = boardFromSnapshot({ tickets: [] }, 1);
    b = applyTicketEvent(b, ev(2, 'ticket.fired', ticket(1)));
    b = applyTicketEvent(b, ev(3, 'ticket.fired', ticket(2)));
    b = applyTicketEvent(b, ev(4, 'ticket.voided', ticket(1, { status: 'voided' })));
    expect(Object.keys(b.changed).sort()).toEqual(['1', '2']);
    b = applyTicketEvent(b, ev(5, 'ticket.started', ticket(2, { status: 'started' })));
    expect(Object.keys(b.changed)).toEqual(['2']);
  });
});
