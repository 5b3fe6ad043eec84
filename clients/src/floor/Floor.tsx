// The manager's floor: every table by status with its time, covers and waiter; each station's
// open tickets and their ages; which station screens are online (a dark station is shouted);
// today's figures.
//
// Tables come live from the `floor` topic. Station loads come from `GET /floor`, refreshed when
// the floor changes: holding `expo` or `station:*` here would count this screen as a station
// screen in the hub's presence and hide a dark station.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { t, useLang, type Key } from '../lib/i18n';
import { useLive } from '../lib/live';
import { rupiah } from '../lib/money';
import type { PresenceFrame } from '../lib/protocol';
import { navigate } from '../lib/router';
import { session } from '../lib/session';
import {
  ageLevel,
  ageMs,
  applyFloorEvent,
  emptyFloor,
  floorFromSnapshot,
  formatAge,
  sortedTables,
  type FloorState,
} from '../lib/state';
import { Store, useNow, useStore } from '../lib/store';
import type { DashboardStats, FloorView, StationLoad, StationPresence } from '../lib/types';
import { ConnectionBanner, Header, cap } from '../ui/common';
import { Person } from '../ui/icons';
import { loadThresholds } from '../kitchen/Kds';

export function Floor() {
  useLang();
  const me = useStore(session)!.user;
  const boss = me.role === 'admin' || me.role === 'manager';
  const canPay = boss || me.role === 'cashier';
  const floor = useMemo(() => new Store<FloorState>(emptyFloor()), []);
  const f = useStore(floor);
  const [presence, setPresence] = useState<StationPresence[] | null>(null);
  const [loads, setLoads] = useState<StationLoad[]>([]);
  const [stats, setStats] = useState<DashboardStats | null>(null);
  const [statsFailed, setStatsFailed] = useState(false);
  const th = useMemo(loadThresholds, []);
  const statsTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const loadFloor = () =>
    api<FloorView>('GET', '/floor')
      .then((fv) => {
        setLoads(fv.stations);
        if (floor.get().seq === null) floor.set({ ...floorFromSnapshot({ tables: fv.tables }, 0, floor.get()), seq: null });
      })
      .catch(() => {});
  const loadStats = () => {
    if (!boss) return;
    api<DashboardStats>('GET', '/admin/dashboard/stats')
      .then((s) => {
        setStats(s);
        setStatsFailed(false);
      })
      .catch(() => setStatsFailed(true));
  };
  const refreshSoon = () => {
    if (statsTimer.current) clearTimeout(statsTimer.current);
    statsTimer.current = setTimeout(() => {
      loadStats();
      void loadFloor();
    }, 1000);
  };

  useEffect(() => {
    document.title = `${t('screenFloor')} — Kenangan`;
    loadStats();
    void loadFloor();
    if (boss) {
      api<{ stations: StationPresence[] }>('GET', '/presence')
        .then((p) => setPresence((cur) => cur ?? p.stations))
        .catch(() => {});
    }
    const h = setInterval(() => void loadFloor(), 15_000);
    const s = setInterval(loadStats, 60_000);
    return () => {
      clearInterval(h);
      clearInterval(s);
      if (statsTimer.current) clearTimeout(statsTimer.current);
    };
  }, []);

  const conn = useLive(['floor'], {
    snapshot: (_topic, state, seq) => floor.set(floorFromSnapshot(state, seq, floor.get())),
    event: (e) => {
      floor.set(applyFloorEvent(floor.get(), e));
      if (e.kind === 'table.status') refreshSoon();
    },
    presence: (p: PresenceFrame) => {
      if (p.stations) setPresence(p.stations);
    },
  });
  const now = useNow(1000) + conn.serverOffsetMs;
  const tables = sortedTables(f);

  const stationCodes = presence?.map((s) => s.code) ?? loads.map((s) => s.code);
  const perStation = stationCodes
    .filter((c) => c !== 'expo')
    .map((code) => {
      const l = loads.find((x) => x.code === code);
      return { code, open: l?.open_tickets ?? 0, ready: l?.ready_tickets ?? 0, oldest: l?.oldest_fired_at ?? null };
    });
  const dark = (presence ?? []).filter((s) => s.screens === 0);
  const nameOf = (code: string) => presence?.find((s) => s.code === code)?.name ?? loads.find((s) => s.code === code)?.name ?? cap(code);

  return (
    <div class="floor" data-testid="floor">
      <Header title={t('screenFloor')} stations={stationCodes}>
        {boss && (
          <a class="btn btn-ghost" href="/admin" data-testid="back-office" onClick={(e) => { e.preventDefault(); navigate('/admin'); }}>
            {t('aBackOffice')}
          </a>
        )}
      </Header>
      <ConnectionBanner info={conn} />
      {dark.length > 0 && (
        <div class="shout" role="alert" data-testid="dark-stations" data-stations={dark.map((s) => s.code).join(',')}>
          ⚠ {t('fDarkStations', { list: dark.map((s) => s.name).join(', ') })}
        </div>
      )}
      <div class="floor-body">
        <section class="floor-tables" aria-labelledby="ft-h">
          <h2 id="ft-h">{t('fTables')}</h2>
          <ul class="tables tables-wide" data-testid="floor-tables">
            {tables.map((x) => (
              <li key={x.id} class={`table ts-${x.status}`} data-testid="table" data-label={x.label} data-status={x.status}>
                <span class="table-label">{x.label}</span>
                <span class="table-status">{t(('st_' + x.status) as Key)}</span>
                {x.status !== 'free' && (
                  <span class="table-meta">
                    {formatAge(ageMs(x.status_changed_at, now))}
                    {x.covers ? <> · <Person /> {x.covers}</> : ''}
                  </span>
                )}
                {x.waiter_name && <span class="table-waiter">{x.waiter_name}</span>}
                {canPay && x.current_order_id !== null && x.status !== 'paid' && (
                  <button type="button" class="btn table-bill" data-testid="open-bill" onClick={() => navigate(`/bill/${x.current_order_id}`)}>
                    {t('bBill')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
        <aside class="floor-side">
          <section aria-labelledby="fs-h">
            <h2 id="fs-h">{t('fStations')}</h2>
            {boss && presence === null && <p class="muted">{t('fPresenceUnknown')}</p>}
            <ul class="stations" data-testid="stations">
              {perStation.map((s) => {
                const p = presence?.find((x) => x.code === s.code);
                const isDark = p !== undefined && p.screens === 0;
                const level = s.oldest ? ageLevel(ageMs(s.oldest, now), th) : 'fresh';
                return (
                  <li key={s.code} class={`station ${isDark ? 'dark' : ''}`} data-testid="station" data-code={s.code} data-screens={p?.screens ?? ''}>
                    <strong>{nameOf(s.code)}</strong>
                    <span>{t('fOpen', { n: s.open })}</span>
                    <span>{t('fReadyN', { n: s.ready })}</span>
                    {s.oldest && <span class={`age age-${level}`}>{t('fOldest', { age: formatAge(ageMs(s.oldest, now)) })}</span>}
                    {p && <span class={isDark ? 'badge badge-bad' : 'badge badge-ok'}>{isDark ? t('fNoScreen') : t('fScreens', { n: p.screens })}</span>}
                  </li>
                );
              })}
              {presence
                ?.filter((p) => p.code === 'expo')
                .map((p) => (
                  <li key="expo" class={`station ${p.screens === 0 ? 'dark' : ''}`} data-testid="station" data-code="expo" data-screens={p.screens}>
                    <strong>{p.name}</strong>
                    <span class={p.screens === 0 ? 'badge badge-bad' : 'badge badge-ok'}>{p.screens === 0 ? t('fNoScreen') : t('fScreens', { n: p.screens })}</span>
                  </li>
                ))}
            </ul>
          </section>
          {boss && (
            <section aria-labelledby="today-h">
              <h2 id="today-h">{t('fToday')}</h2>
              {stats ? (
                <>
                  <dl class="figures" data-testid="stats">
                    <dt>{t('fRevenue')}</dt>
                    <dd>{rupiah(stats.revenue)}</dd>
                    <dt>{t('fOrders')}</dt>
                    <dd>{stats.orders}</dd>
                    <dt>{t('fOpenOrders')}</dt>
                    <dd>{stats.open_orders}</dd>
                    <dt>{t('fCovers')}</dt>
                    <dd>{stats.covers}</dd>
                    <dt>{t('fAvgSpend')}</dt>
                    <dd>{rupiah(stats.average_spend)}</dd>
                  </dl>
                  {stats.top_products.length > 0 && (
                    <>
                      <h3>{t('fTopProducts')}</h3>
                      <ol class="top-products">
                        {stats.top_products.slice(0, 5).map((p) => (
                          <li key={p.product_id}>
                            {p.name} <span class="muted">×{p.quantity}</span>
                          </li>
                        ))}
                      </ol>
                    </>
                  )}
                </>
              ) : (
                <p class="muted">{statsFailed ? t('fStatsUnavailable') : t('loading')}</p>
              )}
            </section>
          )}
        </aside>
      </div>
    </div>
  );
}
