// The waiter app (a phone, 390×844): the floor, open a table, take the order from the menu,
// send it (a retried send never makes a second order), fire held courses, get told when the
// kitchen bumps, mark served, request the bill.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type PendingSend, api, prepareSend, sendWithRetry } from '../lib/api';
import { beep, enableSound, soundEnabled, vibrate } from '../lib/device';
import { t, useLang, type Key } from '../lib/i18n';
import { useLive } from '../lib/live';
import { rupiah } from '../lib/money';
import { session } from '../lib/session';
import {
  applyFloorEvent,
  applyOrderEvent,
  bookFromSnapshot,
  emptyBook,
  emptyFloor,
  floorFromSnapshot,
  formatAge,
  ageMs,
  isAvailable,
  liveNotices,
  readyNotice,
  sortedTables,
  type FloorState,
  type OrderBook,
  type ReadyNotice,
} from '../lib/state';
import { Store, useNow, useStore } from '../lib/store';
import type { Category, Order, Product, Table } from '../lib/types';
import { ConnectionBanner, Header, Toast } from '../ui/common';
import { Bell, Person } from '../ui/icons';
import { errorText, useStations } from '../kitchen/Kds';

interface CartLine {
  key: number;
  product: Product;
  quantity: number;
  modifiers: string[];
  notes: string;
  course: number;
}

type View = { name: 'tables' } | { name: 'orders' } | { name: 'table'; id: number } | { name: 'menu'; tableId: number };

let lineKey = 1;

export function Waiter() {
  useLang();
  const me = useStore(session)!.user;
  const floor = useMemo(() => new Store<FloorState>(emptyFloor()), []);
  const book = useMemo(() => new Store<OrderBook>(emptyBook()), []);
  const f = useStore(floor);
  const bk = useStore(book);
  const sound = useStore(soundEnabled);
  const stations = useStations();
  const [view, setView] = useState<View>({ name: 'tables' });
  const [products, setProducts] = useState<Product[]>([]);
  const [categories, setCategories] = useState<Category[]>([]);
  const [notices, setNotices] = useState<ReadyNotice[]>([]);
  const [toast, setToast] = useState<string | null>(null);

  useEffect(() => {
    document.title = `${t('screenWaiter')} — Kenangan`;
    api<Product[]>('GET', '/products').then(setProducts).catch((e) => setToast(errorText(e)));
    api<Category[]>('GET', '/categories').then(setCategories).catch(() => {});
    // Until the hub's snapshot arrives, show what REST knows (a snapshot replaces it).
    api<Table[]>('GET', '/tables')
      .then((ts) => {
        if (floor.get().seq === null) floor.set({ ...floorFromSnapshot({ tables: ts }, 0, floor.get()), seq: null });
      })
      .catch(() => {});
    api<Order[]>('GET', `/orders?waiter_id=${me.id}`)
      .then((os) => {
        if (book.get().seq === null) book.set({ ...bookFromSnapshot({ orders: os }, 0), seq: null });
      })
      .catch(() => {});
  }, []);

  const waiterTopic = `waiter:${me.id}`;
  const conn = useLive(['floor', waiterTopic], {
    snapshot: (topic, state, seq) => {
      if (topic === 'floor') floor.set(floorFromSnapshot(state, seq, floor.get()));
      else book.set(bookFromSnapshot(state, seq, book.get()));
    },
    event: (e) => {
      if (e.topic === 'floor') {
        floor.set(applyFloorEvent(floor.get(), e));
        return;
      }
      const prev = book.get();
      const next = applyOrderEvent(prev, e);
      book.set(next);
      const n = next !== prev ? readyNotice(e) : null;
      if (n) {
        setNotices((cur) => [n, ...cur.filter((x) => x.ticketId !== n.ticketId)]);
        beep('ready');
        vibrate([200, 100, 200]);
      }
    },
  });

  const shown = liveNotices(notices, bk);
  const orderFor = (tb: Table | undefined): Order | undefined =>
    tb?.current_order_id ? bk.orders[tb.current_order_id] : undefined;

  return (
    <div class="waiter" data-testid="waiter">
      <Header title={t('screenWaiter')} stations={stations}>
        {!sound && (
          <button type="button" class="btn btn-ghost" onClick={enableSound} aria-label={t('kdsEnableSound')} title={t('kdsEnableSound')}>
            <Bell />
          </button>
        )}
      </Header>
      <ConnectionBanner info={conn} />
      {shown.length > 0 && (
        <div class="notices" role="alert">
          {shown.map((n) => (
            <div class="notice" key={n.ticketId} data-testid="notice">
              <span>{n.table ? t('wReady', { t: n.table }) : t('wReadyTakeaway', { id: n.orderId })}</span>
              <ServeButton ticketId={n.ticketId} onDone={() => setNotices((c) => c.filter((x) => x.ticketId !== n.ticketId))} onError={setToast} />
              <button type="button" class="btn btn-ghost" aria-label={t('wDismiss')} title={t('wDismiss')} onClick={() => setNotices((c) => c.filter((x) => x.ticketId !== n.ticketId))}>
                ×
              </button>
            </div>
          ))}
        </div>
      )}
      {(view.name === 'tables' || view.name === 'orders') && (
        <nav class="tabs" aria-label={t('screenWaiter')}>
          <button type="button" class={`tab ${view.name === 'tables' ? 'on' : ''}`} aria-pressed={view.name === 'tables'} onClick={() => setView({ name: 'tables' })}>
            {t('wTables')}
          </button>
          <button type="button" class={`tab ${view.name === 'orders' ? 'on' : ''}`} aria-pressed={view.name === 'orders'} onClick={() => setView({ name: 'orders' })}>
            {t('wMyOrders')} <span class="pill">{Object.keys(bk.orders).length}</span>
          </button>
        </nav>
      )}
      {view.name === 'tables' && <TableGrid floor={f} book={bk} meId={me.id} onOpen={(id) => setView({ name: 'table', id })} />}
      {view.name === 'orders' && <MyOrders book={bk} onOpen={(o) => o.table_id && setView({ name: 'table', id: o.table_id })} />}
      {view.name === 'table' && f.tables[view.id] && (
        <TableSheet
          table={f.tables[view.id]}
          order={orderFor(f.tables[view.id])}
          onBack={() => setView({ name: 'tables' })}
          onMenu={() => setView({ name: 'menu', tableId: view.id })}
          onError={setToast}
        />
      )}
      {view.name === 'menu' && f.tables[view.tableId] && (
        <MenuView
          table={f.tables[view.tableId]}
          order={orderFor(f.tables[view.tableId])}
          products={products}
          categories={categories}
          floor={f}
          onBack={() => setView({ name: 'table', id: view.tableId })}
          onSent={(o) => {
            setToast(t('wSent', { id: o.id }));
            setView({ name: 'table', id: view.tableId });
          }}
        />
      )}
      <Toast msg={toast} onClose={() => setToast(null)} />
    </div>
  );
}

function ServeButton({ ticketId, onDone, onError }: { ticketId: number; onDone(): void; onError(m: string): void }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      class="btn btn-primary"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await api('POST', `/tickets/${ticketId}/serve`);
          onDone();
        } catch (e) {
          onError(errorText(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      {t('wServed')}
    </button>
  );
}

function TableGrid({ floor, book, meId, onOpen }: { floor: FloorState; book: OrderBook; meId: number; onOpen(id: number): void }) {
  const now = useNow(15_000);
  const tables = sortedTables(floor);
  if (tables.length === 0) return <p class="empty">{floor.seq === null ? t('loading') : t('wNoTables')}</p>;
  return (
    <ul class="tables" data-testid="tables">
      {tables.map((tb) => {
        const mine = tb.waiter_id === meId;
        const order = tb.current_order_id ? book.orders[tb.current_order_id] : undefined;
        const ready = order?.tickets.some((k) => k.status === 'ready');
        return (
          <li key={tb.id}>
            <button
              type="button"
              class={`table ts-${tb.status} ${mine ? 'mine' : ''} ${ready ? 'has-ready' : ''}`}
              data-testid="table"
              data-label={tb.label}
              data-status={tb.status}
              onClick={() => onOpen(tb.id)}
            >
              <span class="table-label">{tb.label}</span>
              <span class="table-status">{t(('st_' + tb.status) as Key)}</span>
              <span class="table-meta">
                {tb.covers ? <><Person /> {tb.covers}</> : `${tb.capacity}`}
                {tb.status !== 'free' && ` · ${formatAge(ageMs(tb.seated_at ?? tb.status_changed_at, now)).replace(/:\d\d$/, 'm')}`}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function MyOrders({ book, onOpen }: { book: OrderBook; onOpen(o: Order): void }) {
  const orders = Object.values(book.orders).sort((a, b) => a.id - b.id);
  if (orders.length === 0) return <p class="empty">{t('wNoOrder')}</p>;
  return (
    <ul class="orders">
      {orders.map((o) => (
        <li key={o.id}>
          <button type="button" class="order-row" onClick={() => onOpen(o)}>
            <strong>{o.table_label ?? t('kdsTakeaway', { n: o.id })}</strong>
            <span>
              {o.items.filter((i) => i.status !== 'voided').length} {t('wItems')} · {rupiah(o.total)}
            </span>
            <span class="order-tickets">
              {o.tickets.map((k) => (
                <span key={k.id} class={`badge tk-${k.status}`}>
                  {k.station} {t(('it_' + (k.status === 'started' ? 'fired' : k.status)) as Key)}
                </span>
              ))}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function TableSheet({ table, order, onBack, onMenu, onError }: { table: Table; order?: Order; onBack(): void; onMenu(): void; onError(m: string): void }) {
  const [covers, setCovers] = useState(Math.min(2, table.capacity));
  const [busy, setBusy] = useState(false);
  const [other, setOther] = useState<Order | null>(null);
  const [voiding, setVoiding] = useState<number | null>(null);
  // Someone else's table: read its order once (it is not on our waiter topic).
  useEffect(() => {
    setOther(null);
    if (!order && table.current_order_id) {
      api<Order>('GET', `/orders/${table.current_order_id}`).then(setOther).catch(() => {});
    }
  }, [table.current_order_id, order?.version]);
  const o = order ?? other ?? undefined;

  async function run(fn: () => Promise<unknown>) {
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      onError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const heldCourses = o ? [...new Set(o.items.filter((i) => i.status === 'held').map((i) => i.course))].sort() : [];
  const readyTickets = o ? o.tickets.filter((k) => k.status === 'ready') : [];
  const canBill = ['ordered', 'food_ready', 'served'].includes(table.status);

  return (
    <section class="sheet" data-testid="table-sheet" aria-labelledby="sheet-h">
      <div class="sheet-head">
        <button type="button" class="btn btn-ghost" onClick={onBack}>
          ← {t('back')}
        </button>
        <h2 id="sheet-h">
          {table.label} <span class={`badge ts-${table.status}`}>{t(('st_' + table.status) as Key)}</span>
        </h2>
      </div>
      {table.status === 'free' && (
        <div class="seat">
          <p>{t('wOpenTable', { t: table.label })}</p>
          <div class="stepper" role="group" aria-label={t('wCovers')}>
            <button type="button" class="btn btn-big" onClick={() => setCovers(Math.max(1, covers - 1))} aria-label="−">
              −
            </button>
            <output class="stepper-val" data-testid="covers">
              {covers}
            </output>
            <button type="button" class="btn btn-big" onClick={() => setCovers(Math.min(100, covers + 1))} aria-label="+">
              +
            </button>
            <span>{t('wCovers')}</span>
          </div>
          <button type="button" class="btn btn-big btn-primary" data-testid="seat" disabled={busy} onClick={() => run(() => api('POST', `/tables/${table.id}/seat`, { body: { covers } }))}>
            {t('wSeat')}
          </button>
        </div>
      )}
      {table.status !== 'free' && table.status !== 'paid' && table.status !== 'bill_requested' && (
        <button type="button" class="btn btn-big btn-primary" data-testid="add-items" onClick={onMenu}>
          {o ? t('wAddItems') : t('wNewOrder')}
        </button>
      )}
      {o && (
        <div class="order" data-testid="order" data-order={o.id}>
          <ul class="lines">
            {o.items.map((i) => (
              <li key={i.id} class={`line it-${i.status}`} data-testid="line" data-name={i.name} data-status={i.status}>
                <span>
                  {i.quantity}× {i.name}
                  {i.modifiers.length > 0 && <small> ({i.modifiers.join(', ')})</small>}
                  {i.notes && <small> “{i.notes}”</small>}
                  {i.status !== 'voided' && i.status !== 'served' && o.status === 'open' && (
                    <button type="button" class="link" onClick={() => setVoiding(voiding === i.id ? null : i.id)} aria-expanded={voiding === i.id}>
                      {t('wVoid')}
                    </button>
                  )}
                </span>
                <span class={`badge it-${i.status}`}>{t(('it_' + i.status) as Key)}</span>
                <span class="price">{rupiah(i.unit_price * i.quantity)}</span>
                {voiding === i.id && (
                  <div class="void-reasons" role="group" aria-label={t('wVoidWhy')}>
                    {(['wVoidChanged', 'wVoidMistake', 'wVoidQuality'] as const).map((k) => (
                      <button
                        key={k}
                        type="button"
                        class="chip"
                        disabled={busy}
                        onClick={() =>
                          run(async () => {
                            await api('POST', `/orders/${o.id}/items/${i.id}/void`, { body: { reason: t(k) }, headers: { 'If-Match': String(o.version) } });
                            setVoiding(null);
                          })
                        }
                      >
                        {t(k)}
                      </button>
                    ))}
                  </div>
                )}
              </li>
            ))}
          </ul>
          <dl class="totals">
            <dt>{t('wSubtotal')}</dt>
            <dd>{rupiah(o.subtotal)}</dd>
            <dt>{t('wService')}</dt>
            <dd>{rupiah(o.service_charge)}</dd>
            <dt>{t('wTax')}</dt>
            <dd>{rupiah(o.tax)}</dd>
            <dt class="total">{t('wTotal')}</dt>
            <dd class="total" data-testid="total">
              {rupiah(o.total)}
            </dd>
          </dl>
          <div class="sheet-actions">
            {heldCourses.map((c) => (
              <button key={c} type="button" class="btn btn-big" disabled={busy} data-testid="fire" onClick={() => run(() => api('POST', `/orders/${o.id}/fire`, { body: { course: c }, headers: { 'If-Match': String(o.version) } }))}>
                {t('wFire', { n: c })}
              </button>
            ))}
            {readyTickets.map((k) => (
              <button key={k.id} type="button" class="btn btn-big btn-primary" disabled={busy} onClick={() => run(() => api('POST', `/tickets/${k.id}/serve`))}>
                {t('wServed')} · {k.station}
              </button>
            ))}
          </div>
        </div>
      )}
      <div class="sheet-actions">
        {canBill && (
          <button type="button" class="btn btn-big" disabled={busy} data-testid="bill" onClick={() => run(() => api('POST', `/tables/${table.id}/request-bill`))}>
            {t('wRequestBill')}
          </button>
        )}
        {table.status === 'bill_requested' && <p class="muted">{t('wBillRequested')}</p>}
        {(table.status === 'paid' || (table.status === 'seated' && !table.current_order_id)) && (
          <button type="button" class="btn btn-big" disabled={busy} onClick={() => run(() => api('POST', `/tables/${table.id}/clear`))}>
            {t('wClear')}
          </button>
        )}
      </div>
    </section>
  );
}

function MenuView(p: {
  table: Table;
  order?: Order;
  products: Product[];
  categories: Category[];
  floor: FloorState;
  onBack(): void;
  onSent(o: Order): void;
}) {
  const [q, setQ] = useState('');
  const [cat, setCat] = useState<number | null>(null);
  const [editing, setEditing] = useState<CartLine | null>(null);
  const [cart, setCart] = useState<CartLine[]>([]);
  const [hold, setHold] = useState<number[]>([]);
  const [showCart, setShowCart] = useState(false);
  const [pending, setPending] = useState<PendingSend | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const needle = q.trim().toLowerCase();
  const list = p.products.filter((x) => (cat === null || x.category_id === cat) && (!needle || x.name.toLowerCase().includes(needle)));
  const total = cart.reduce((s, l) => s + l.product.price * l.quantity, 0);
  const courses = [...new Set(cart.map((l) => l.course))].sort();

  function body() {
    const items = cart.map((l) => ({
      product_id: l.product.id,
      quantity: l.quantity,
      modifiers: l.modifiers,
      notes: l.notes,
      course: l.course,
    }));
    const hold_courses = hold.filter((c) => courses.includes(c));
    return p.order ? { items, hold_courses } : { table_id: p.table.id, covers: p.table.covers ?? undefined, items, hold_courses };
  }

  async function send(retry: PendingSend | null) {
    // A retry sends the very same request (same Idempotency-Key, same bytes).
    const req =
      retry ??
      (p.order
        ? prepareSend('POST', `/orders/${p.order.id}/items`, body(), { 'If-Match': String(p.order.version) })
        : prepareSend('POST', '/orders', body()));
    setPending(req);
    setSending(true);
    setError(null);
    try {
      const o = await sendWithRetry<Order>(req, { attempts: 3 });
      setPending(null);
      setCart([]);
      p.onSent(o);
    } catch (e) {
      if (e instanceof ApiError && !e.retryable) {
        setPending(null); // a new attempt must be a new request
        if (e.code === 'product_unavailable') {
          const ids = ((e.details as { product_ids?: number[] } | null)?.product_ids ?? []) as number[];
          const names = p.products.filter((x) => ids.includes(x.id)).map((x) => x.name);
          setError(t('wUnavailableSend', { names: names.join(', ') }));
        } else if (e.code === 'version_conflict') {
          setError(t('wConflict'));
        } else setError(t('wSendFailed', { msg: errorText(e) }));
      } else {
        setError(t('wSendFailed', { msg: errorText(e) }));
      }
    } finally {
      setSending(false);
    }
  }

  return (
    <section class="menu" data-testid="menu" aria-labelledby="menu-h">
      <div class="sheet-head">
        <button type="button" class="btn btn-ghost" onClick={p.onBack}>
          ← {t('back')}
        </button>
        <h2 id="menu-h">
          {t('wMenu')} · {p.table.label}
        </h2>
      </div>
      <label class="search">
        <span class="sr-only">{t('wSearch')}</span>
        <input type="search" placeholder={t('wSearch')} value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} data-testid="search" />
      </label>
      <div class="chips" role="group" aria-label={t('wMenu')}>
        <button type="button" class={`chip ${cat === null ? 'on' : ''}`} aria-pressed={cat === null} onClick={() => setCat(null)}>
          {t('wAll')}
        </button>
        {p.categories.map((c) => (
          <button key={c.id} type="button" class={`chip ${cat === c.id ? 'on' : ''}`} aria-pressed={cat === c.id} onClick={() => setCat(c.id)}>
            {c.name}
          </button>
        ))}
      </div>
      <ul class="products" data-testid="products">
        {list.map((x) => {
          const ok = isAvailable(x, p.floor);
          return (
            <li key={x.id}>
              <button
                type="button"
                class={`product ${ok ? '' : 'out'}`}
                data-testid="product"
                data-name={x.name}
                disabled={!ok}
                aria-disabled={!ok}
                onClick={() => setEditing({ key: lineKey++, product: x, quantity: 1, modifiers: [], notes: '', course: 1 })}
              >
                <span class="product-name">{x.name}</span>
                <span class="product-price">{ok ? rupiah(x.price) : t('wUnavailable')}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {editing && (
        <ItemEditor
          line={editing}
          onCancel={() => setEditing(null)}
          onAdd={(l) => {
            setCart((c) => [...c, l]);
            setEditing(null);
          }}
        />
      )}
      <div class="cartbar">
        {error && (
          <p class="error" role="alert" data-testid="send-error">
            {error}
          </p>
        )}
        {showCart && (
          <div class="cart" data-testid="cart">
            <h3>{t('wCart')}</h3>
            {cart.length === 0 && <p class="muted">{t('wCartEmpty')}</p>}
            <ul class="lines">
              {cart.map((l) => (
                <li key={l.key} class="line">
                  <span>
                    {!isAvailable(l.product, p.floor) && <span class="badge badge-bad">{t('kds86')}</span>} {l.quantity}× {l.product.name}
                    {l.modifiers.length > 0 && <small> ({l.modifiers.join(', ')})</small>}
                    {l.notes && <small> “{l.notes}”</small>}
                    {l.course > 1 && <small> · {t('kdsCourse', { n: l.course })}</small>}
                  </span>
                  <span class="price">{rupiah(l.product.price * l.quantity)}</span>
                  <button type="button" class="btn btn-ghost" disabled={sending || pending !== null} onClick={() => setCart((c) => c.filter((x) => x.key !== l.key))}>
                    {t('wRemove')}
                  </button>
                </li>
              ))}
            </ul>
            {courses
              .filter((c) => c > 1)
              .map((c) => (
                <label key={c} class="check">
                  <input
                    type="checkbox"
                    checked={hold.includes(c)}
                    disabled={pending !== null}
                    onChange={(e) => setHold((h) => ((e.target as HTMLInputElement).checked ? [...h, c] : h.filter((x) => x !== c)))}
                  />{' '}
                  {t('wHold', { n: c })}
                </label>
              ))}
          </div>
        )}
        <div class="cartbar-row">
          <button type="button" class="btn btn-big" onClick={() => setShowCart(!showCart)} aria-expanded={showCart} data-testid="cart-toggle">
            {t('wCart')} <span class="pill">{cart.reduce((s, l) => s + l.quantity, 0)}</span> {rupiah(total)}
          </button>
          {pending ? (
            <button type="button" class="btn btn-big btn-warn" disabled={sending} onClick={() => send(pending)} data-testid="retry-send" title={t('wRetrySame')}>
              {sending ? t('wSending') : t('wRetrySend')}
            </button>
          ) : (
            <button type="button" class="btn btn-big btn-primary" disabled={cart.length === 0 || sending} onClick={() => send(null)} data-testid="send">
              {sending ? t('wSending') : t('wSend')}
            </button>
          )}
        </div>
      </div>
    </section>
  );
}

function ItemEditor({ line, onCancel, onAdd }: { line: CartLine; onCancel(): void; onAdd(l: CartLine): void }) {
  const [l, setL] = useState(line);
  const p = l.product;
  return (
    <div class="modal" role="dialog" aria-modal="true" aria-labelledby="edit-h" data-testid="item-editor">
      <div class="modal-body">
        <h3 id="edit-h">
          {p.name} <span class="muted">{rupiah(p.price)}</span>
        </h3>
        {p.allergens.length > 0 && <p class="allergens">⚠ {p.allergens.join(', ')}</p>}
        <div class="stepper" role="group" aria-label={t('wQuantity')}>
          <button type="button" class="btn btn-big" onClick={() => setL({ ...l, quantity: Math.max(1, l.quantity - 1) })} aria-label="−">
            −
          </button>
          <output class="stepper-val" data-testid="qty">
            {l.quantity}
          </output>
          <button type="button" class="btn btn-big" onClick={() => setL({ ...l, quantity: Math.min(99, l.quantity + 1) })} aria-label="+" data-testid="qty-plus">
            +
          </button>
          <span>{t('wQuantity')}</span>
        </div>
        {p.modifiers.length > 0 && (
          <fieldset class="chips">
            <legend>{t('wModifiers')}</legend>
            {p.modifiers.map((m) => {
              const on = l.modifiers.includes(m);
              return (
                <button
                  key={m}
                  type="button"
                  class={`chip ${on ? 'on' : ''}`}
                  aria-pressed={on}
                  onClick={() => setL({ ...l, modifiers: on ? l.modifiers.filter((x) => x !== m) : [...l.modifiers, m] })}
                >
                  {m}
                </button>
              );
            })}
          </fieldset>
        )}
        <label class="field">
          {t('wNotes')}
          <input type="text" maxLength={200} placeholder={t('wNotesPlaceholder')} value={l.notes} onInput={(e) => setL({ ...l, notes: (e.target as HTMLInputElement).value })} data-testid="notes" />
        </label>
        <fieldset class="chips">
          <legend>{t('wCourse')}</legend>
          {[1, 2, 3].map((c) => (
            <button key={c} type="button" class={`chip ${l.course === c ? 'on' : ''}`} aria-pressed={l.course === c} onClick={() => setL({ ...l, course: c })}>
              {c}
            </button>
          ))}
        </fieldset>
        <div class="modal-actions">
          <button type="button" class="btn btn-big" onClick={onCancel}>
            {t('cancel')}
          </button>
          <button type="button" class="btn btn-big btn-primary" onClick={() => onAdd({ ...l, notes: l.notes.trim() })} data-testid="add">
            {t('wAddToOrder')}
          </button>
        </div>
      </div>
    </div>
  );
}
