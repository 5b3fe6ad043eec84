// The kitchen/bar display for one station (`/kds/<station>`): a tablet at 1280×800, dark,
// big targets, never sleeping. Tickets come only from the hub (`station:<code>`).

import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api } from '../lib/api';
import { beep, enableSound, keepAwake, soundEnabled, wakeLockHeld } from '../lib/device';
import { t, useLang } from '../lib/i18n';
import { useLive } from '../lib/live';
import { rememberStation } from '../lib/session';
import {
  DEFAULT_THRESHOLDS,
  allDay,
  applyTicketEvent,
  boardFromSnapshot,
  bumped,
  cooking,
  emptyBoard,
  formatAge,
  ageMs,
  thresholdsFrom,
  type Thresholds,
  type TicketBoard,
} from '../lib/state';
import { Store, useNow, useStore } from '../lib/store';
import type { Availability, Item, Product, Ticket } from '../lib/types';
import { ConnectionBanner, Header, Toast, cap } from '../ui/common';
import { TicketCard, ticketTitle } from './TicketCard';
import { Bell } from '../ui/icons';

const TH_KEY = 'kenangan.thresholds';
const FLASH_MS = 4000;

export function loadThresholds(): Thresholds {
  let base = DEFAULT_THRESHOLDS;
  try {
    const saved = JSON.parse(localStorage.getItem(TH_KEY) ?? 'null');
    if (saved && saved.lateMin > saved.warnMin && saved.warnMin > 0) base = saved;
  } catch {
    /* defaults */
  }
  return thresholdsFrom(location.search, base);
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.status === 0 ? t('cannotReach') : e.message;
  return String(e);
}

export function useStations(): string[] {
  const [codes, setCodes] = useState<string[]>([]);
  useEffect(() => {
    api<{ code: string }[]>('GET', '/stations')
      .then((s) => setCodes(s.map((x) => x.code)))
      .catch(() => {});
  }, []);
  return codes;
}

export function Kds({ station }: { station: string }) {
  useLang();
  const board = useMemo(() => new Store<TicketBoard>(emptyBoard()), [station]);
  const flashes = useMemo(() => new Store<Record<number, number>>({}), [station]);
  const eighty6 = useMemo(() => new Store<Record<number, Availability>>({}), [station]);
  const b = useStore(board);
  const fl = useStore(flashes);
  const out = useStore(eighty6);
  const sound = useStore(soundEnabled);
  const wake = useStore(wakeLockHeld);
  const stations = useStations();
  const [th, setTh] = useState<Thresholds>(loadThresholds);
  const [selected, setSelected] = useState(0);
  const [busy, setBusy] = useState<Record<number, boolean>>({});
  const [toast, setToast] = useState<string | null>(null);
  const [settings, setSettings] = useState(false);
  const [menu, setMenu] = useState<Product[]>([]);

  // The station's products, for 86'ing from the settings panel.
  useEffect(() => {
    if (!settings) return;
    api<Product[]>('GET', '/products')
      .then((ps) => setMenu(ps.filter((p) => p.station_code === station)))
      .catch((e) => setToast(errorText(e)));
  }, [settings, station]);

  async function set86(p: Product, available: boolean) {
    try {
      const np = await api<Product>('PUT', `/products/${p.id}/availability`, { body: { is_available: available } });
      setMenu((m) => m.map((x) => (x.id === np.id ? np : x)));
    } catch (e) {
      setToast(`${p.name}: ${errorText(e)}`);
    }
  }

  useEffect(() => {
    rememberStation(station);
    document.title = `${cap(station)} — Kenangan`;
    return keepAwake();
  }, [station]);

  // Until the hub's snapshot arrives, show what REST knows (the snapshot replaces it).
  useEffect(() => {
    api<Ticket[]>('GET', `/tickets?station=${encodeURIComponent(station)}`)
      .then((ts) => {
        if (board.get().seq === null) board.set({ ...boardFromSnapshot({ tickets: ts }, 0, station), seq: null });
      })
      .catch(() => {});
  }, [station]);

  // 86'd products of this station (then kept current by product.availability events).
  useEffect(() => {
    api<Product[]>('GET', '/products?available=false')
      .then((ps) => {
        const m: Record<number, Availability> = {};
        for (const p of ps) if (p.station_code === station) m[p.id] = { product_id: p.id, name: p.name, is_available: false };
        eighty6.set((cur) => ({ ...m, ...cur }));
      })
      .catch(() => {});
  }, [station]);

  const conn = useLive([`station:${station}`], {
    snapshot: (_topic, state, seq) => board.set(boardFromSnapshot(state, seq, station)),
    event: (e) => {
      if (e.kind === 'product.availability') {
        const a = e.data as Availability;
        eighty6.set((cur) => ({ ...cur, [a.product_id]: a }));
      }
      const prev = board.get();
      const next = applyTicketEvent(prev, e, station);
      board.set(next);
      if (next !== prev && e.kind.startsWith('ticket.')) {
        const id = (e.data as Ticket).id;
        if (e.kind === 'ticket.fired' || e.kind === 'ticket.updated' || e.kind === 'ticket.recalled' || e.kind === 'ticket.voided') {
          const cut = Date.now() - FLASH_MS;
          flashes.set((f) => {
            const keep: Record<number, number> = { [id]: Date.now() };
            for (const [k, v] of Object.entries(f)) if (v > cut && Number(k) !== id) keep[Number(k)] = v;
            return keep;
          });
          beep(e.kind === 'ticket.fired' ? 'new' : 'change');
        }
      }
    },
  });

  const now = useNow(1000) + conn.serverOffsetMs;
  const active = cooking(b);
  const done = bumped(b);
  const counts = allDay(b.open);
  const sel = Math.min(selected, Math.max(0, active.length - 1));

  async function act(tk: Ticket, path: string, body?: unknown) {
    setBusy((x) => ({ ...x, [tk.id]: true }));
    try {
      await api('POST', `/tickets/${tk.id}${path}`, body === undefined ? {} : { body });
    } catch (e) {
      setToast(`${ticketTitle(tk)}: ${errorText(e)}`);
    } finally {
      setBusy((x) => ({ ...x, [tk.id]: false }));
    }
  }
  const actions = {
    start: (tk: Ticket) => act(tk, '/start'),
    bump: (tk: Ticket) => act(tk, '/ready'),
    rush: (tk: Ticket) => act(tk, '/rush', { rush: !tk.rush }),
    itemDone: (tk: Ticket, it: Item) => act(tk, `/items/${it.id}/ready`),
  };

  // Keyboard / bump bar.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
      const list = cooking(board.get());
      const cur = list[Math.min(selected, Math.max(0, list.length - 1))];
      if (/^[1-9]$/.test(e.key)) {
        setSelected(Number(e.key) - 1);
      } else if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
        setSelected((s) => Math.min(s + 1, Math.max(0, list.length - 1)));
      } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
        setSelected((s) => Math.max(0, s - 1));
      } else if ((e.key === 'Enter' || e.key === ' ' || e.key === 'b') && cur) {
        e.preventDefault();
        void actions.bump(cur);
      } else if (e.key === 's' && cur && cur.status === 'fired') {
        void actions.start(cur);
      } else if (e.key === 'u' && cur) {
        void actions.rush(cur);
      } else if (e.key === 'r') {
        const last = bumped(board.get())[0];
        if (last) void act(last, '/recall');
      } else return;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const out86 = Object.values(out).filter((a) => !a.is_available);

  return (
    <div class="kds" data-testid="kds" data-station={station}>
      <Header title={t('screenKds', { station: cap(station) })} stations={stations}>
        <span class="pill" data-testid="count">{t('kdsTickets', { n: active.length })}</span>
        {!sound ? (
          <button type="button" class="btn btn-warn" onClick={enableSound} data-testid="enable-sound">
            <Bell /> {t('kdsEnableSound')}
          </button>
        ) : (
          <span class="pill"><Bell /> {t('kdsSoundOn')}</span>
        )}
        <button type="button" class="btn btn-ghost" onClick={() => setSettings(!settings)} aria-expanded={settings}>
          {t('kdsSettings')}
        </button>
      </Header>
      <ConnectionBanner info={conn} />
      {wake === false && <div class="hint">{t('kdsWakeLockOff')}</div>}
      {settings && (
        <form
          class="settings"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget as HTMLFormElement);
            const warnMin = Number(f.get('warn'));
            const lateMin = Number(f.get('late'));
            if (warnMin > 0 && lateMin > warnMin) {
              localStorage.setItem(TH_KEY, JSON.stringify({ warnMin, lateMin }));
              setTh({ warnMin, lateMin });
              setSettings(false);
            }
          }}
        >
          <label>
            {t('kdsWarnAfter')} <input name="warn" type="number" min="1" max="120" defaultValue={String(th.warnMin)} />
          </label>
          <label>
            {t('kdsLateAfter')} <input name="late" type="number" min="2" max="240" defaultValue={String(th.lateMin)} />
          </label>
          <button class="btn btn-primary" type="submit">
            {t('save')}
          </button>
          <p class="hint">{t('kdsKeys')}</p>
          {menu.length > 0 && (
            <fieldset class="menu86">
              <legend>{t('kds86')}</legend>
              <p class="hint menu86-hint">{t('kds86Hint')}</p>
              {menu.map((p) => {
                const is86 = out[p.id] ? !out[p.id].is_available : !p.is_available;
                return (
                  <button key={p.id} type="button" class={`chip ${is86 ? 'on' : ''}`} aria-pressed={is86} onClick={() => set86(p, is86)}>
                    {p.name}
                  </button>
                );
              })}
            </fieldset>
          )}
        </form>
      )}
      <div class="kds-body">
        <main class="rail" aria-label={t('screenKds', { station: cap(station) })}>
          {active.length === 0 && <p class="empty">{b.seq === null ? t('loading') : t('kdsEmpty')}</p>}
          {active.map((tk, i) => (
            <TicketCard
              key={tk.id}
              ticket={tk}
              nowMs={now}
              thresholds={th}
              index={i}
              selected={i === sel}
              flash={(fl[tk.id] ?? 0) > Date.now() - FLASH_MS}
              busy={busy[tk.id]}
              actions={actions}
              onSelect={() => setSelected(i)}
            />
          ))}
        </main>
        <aside class="side">
          <section aria-labelledby="allday-h">
            <h2 id="allday-h">{t('kdsAllDay')}</h2>
            {counts.length === 0 ? (
              <p class="muted">{t('kdsAllDayEmpty')}</p>
            ) : (
              <ul class="allday" data-testid="allday">
                {counts.map((c) => (
                  <li key={c.name}>
                    <span class="qty">{c.quantity}</span> {c.name}
                  </li>
                ))}
              </ul>
            )}
          </section>
          {out86.length > 0 && (
            <section aria-labelledby="out-h">
              <h2 id="out-h">{t('kds86')}</h2>
              <ul class="out86">
                {out86.map((a) => (
                  <li key={a.product_id}>{a.name}</li>
                ))}
              </ul>
            </section>
          )}
          <section aria-labelledby="recent-h">
            <h2 id="recent-h">{t('kdsRecent')}</h2>
            {done.length === 0 && <p class="muted">{t('kdsRecentEmpty')}</p>}
            <ul class="recent" data-testid="recent">
              {done.map((tk) => (
                <li key={tk.id} data-ticket={tk.id}>
                  <span>
                    <strong>{ticketTitle(tk)}</strong> · {tk.status === 'served' ? t('kdsServed') : t('kdsReady')}{' '}
                    <span class="muted">{formatAge(ageMs(tk.ready_at ?? tk.fired_at, now))}</span>
                  </span>
                  <button type="button" class="btn" disabled={busy[tk.id]} onClick={() => act(tk, '/recall')}>
                    {t('kdsRecall')}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        </aside>
      </div>
      <Toast msg={toast} onClose={() => setToast(null)} />
    </div>
  );
}
