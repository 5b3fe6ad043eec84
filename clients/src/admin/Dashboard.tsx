// Dashboard: one day's figures (today unless a past day is picked) and three charts drawn by
// uPlot — orders and revenue by hour, fire→ready median/p90 per station, top products. uPlot
// (~20 KB gzipped) is loaded only when this page opens, so the screens stay light.

import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlotT from 'uplot';
import { api } from '../lib/api';
import { isDate } from '../lib/forms';
import { t, useLang } from '../lib/i18n';
import { rupiah } from '../lib/money';
import type { DashboardStats } from '../lib/types';
import { AdminPage, DateInput, FormError, serverMessage } from './common';

type UPlot = typeof uPlotT;
let uplotLoad: Promise<UPlot> | null = null;
function loadUplot(): Promise<UPlot> {
  uplotLoad ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default);
  return uplotLoad;
}

const AXIS = { stroke: '#b3b8c0', grid: { stroke: '#3a404a', width: 1 }, ticks: { stroke: '#3a404a', width: 1 } };
const AMBER = '#f5a524';
const BLUE = '#6cb4ff';
const RED = '#e5322b';

/** A chart drawn by uPlot into a div; redrawn when its data, its width or the language changes. */
function Chart({ build, data, testid, label }: { build: (u: UPlot) => Omit<uPlotT.Options, 'width' | 'height'>; data: uPlotT.AlignedData; testid: string; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const l = useLang();
  const key = JSON.stringify(data) + l;
  useEffect(() => {
    let plot: uPlotT | null = null;
    let dead = false;
    let ro: ResizeObserver | null = null;
    loadUplot()
      .then((U) => {
        const el = ref.current;
        if (dead || !el) return;
        const width = Math.max(280, el.clientWidth);
        plot = new U({ ...build(U), width, height: 240 }, data, el);
        el.dataset.ready = 'true';
        if (typeof ResizeObserver !== 'undefined') {
          ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(280, el.clientWidth), height: 240 }));
          ro.observe(el);
        }
      })
      .catch(() => {
        if (ref.current) ref.current.textContent = t('dChartFailed');
      });
    return () => {
      dead = true;
      ro?.disconnect();
      plot?.destroy();
    };
  }, [key]);
  return <div class="chart" ref={ref} data-testid={testid} role="img" aria-label={label} />;
}

const bars = (U: UPlot, size = 0.6, align: -1 | 0 | 1 = 0) => U.paths.bars!({ size: [size, 60], align });
/** Bars start at zero. */
const ZERO: uPlotT.Scale = { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] };
const secs = (v: number | null | undefined) => (v == null ? null : Math.round(v));
function fmtSecs(v: number | null | undefined): string {
  if (v == null) return '—';
  const s = Math.round(v);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
const shortRp = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)} jt` : v >= 1e3 ? `${Math.round(v / 1e3)} rb` : String(v));

export function Dashboard() {
  useLang();
  // '' = the restaurant's today (its timezone, which may not be this device's).
  const [date, setDate] = useState('');
  const [stats, setStats] = useState<DashboardStats | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    if (date && !isDate(date)) return setErr(t('vDate'));
    setErr(null);
    let live = true;
    const load = () =>
      api<DashboardStats>('GET', `/admin/dashboard/stats${date ? `?date=${date}` : ''}`)
        .then((s) => live && setStats(s))
        .catch((e) => live && setErr(serverMessage(e)));
    void load();
    const h = date === '' ? setInterval(load, 60_000) : null;
    return () => {
      live = false;
      if (h) clearInterval(h);
    };
  }, [date]);

  const s = stats;
  const hours = Array.from({ length: 24 }, (_, i) => i);
  const byHour = new Map((s?.by_hour ?? []).map((h) => [h.hour, h]));
  const first = s?.by_hour?.length ? Math.max(0, Math.min(...s.by_hour.map((h) => h.hour)) - 1) : 8;
  const last = s?.by_hour?.length ? Math.min(23, Math.max(...s.by_hour.map((h) => h.hour)) + 1) : 22;
  const hx = hours.filter((h) => h >= Math.min(first, 10) && h <= Math.max(last, 21));
  const stations = s?.stations ?? [];
  const top = (s?.top_products ?? []).slice(0, 10);

  return (
    <AdminPage title={t('aDashboard')} testid="admin-dashboard">
      <div class="panel-head">
        <DateInput label={t('aDay')} value={date || stats?.date || ''} onChange={setDate} />
        {s?.timezone && <span class="muted">{s.timezone}</span>}
      </div>
      <FormError msg={err} />
      {!s && !err && <p class="muted">{t('loading')}</p>}
      {s && (
        <>
          <dl class="kpis" data-testid="kpis" data-date={s.date}>
            <div>
              <dt>{t('fRevenue')}</dt>
              <dd data-testid="kpi-revenue" data-value={s.revenue}>{rupiah(s.revenue)}</dd>
            </div>
            <div>
              <dt>{t('fOrders')}</dt>
              <dd data-testid="kpi-orders">{s.orders}</dd>
            </div>
            <div>
              <dt>{t('fCovers')}</dt>
              <dd>{s.covers}</dd>
            </div>
            <div>
              <dt>{t('fAvgSpend')}</dt>
              <dd>{rupiah(s.average_spend)}</dd>
            </div>
            <div>
              <dt>{t('dTax')}</dt>
              <dd>{rupiah(s.tax ?? 0)}</dd>
            </div>
            <div>
              <dt>{t('dService')}</dt>
              <dd>{rupiah(s.service_charge ?? 0)}</dd>
            </div>
            <div>
              <dt>{t('dPaidOpen')}</dt>
              <dd>
                {s.paid_orders} / {s.open_orders}
              </dd>
            </div>
          </dl>
          <div class="charts">
            <section class="panel">
              <h2>{t('dByHour')}</h2>
              <Chart
                testid="chart-hours"
                label={t('dByHour')}
                data={[hx, hx.map((h) => byHour.get(h)?.orders ?? 0), hx.map((h) => byHour.get(h)?.revenue ?? 0)]}
                build={(U) => ({
                  scales: { x: { time: false, range: [hx[0] - 0.5, hx[hx.length - 1] + 0.5] }, y: ZERO, rp: ZERO },
                  axes: [
                    { ...AXIS, values: (_u, v) => v.map((x) => (Number.isInteger(x) ? `${String(x).padStart(2, '0')}:00` : '')) },
                    { ...AXIS, label: t('fOrders') },
                    { ...AXIS, scale: 'rp', side: 1, grid: { show: false }, values: (_u, v) => v.map(shortRp), size: 60 },
                  ],
                  series: [
                    { label: t('dHour') },
                    { label: t('fOrders'), fill: AMBER + 'cc', stroke: AMBER, paths: bars(U) },
                    { label: t('fRevenue'), scale: 'rp', stroke: BLUE, width: 2, value: (_u, v) => (v == null ? '—' : rupiah(v)) },
                  ],
                })}
              />
            </section>
            <section class="panel">
              <h2>{t('dFireReady')}</h2>
              {stations.length === 0 ? (
                <p class="muted">{t('dNoData')}</p>
              ) : (
                <>
                  <Chart
                    testid="chart-stations"
                    label={t('dFireReady')}
                    data={[stations.map((_, i) => i), stations.map((x) => secs(x.median_fire_to_ready_secs)), stations.map((x) => secs(x.p90_fire_to_ready_secs))]}
                    build={(U) => ({
                      scales: { x: { time: false, range: [-0.5, stations.length - 0.5] }, y: ZERO },
                      axes: [
                        { ...AXIS, values: (_u, v) => v.map((i) => (Number.isInteger(i) ? stations[i]?.station ?? '' : '')) },
                        { ...AXIS, values: (_u, v) => v.map((x) => (x < 120 ? `${Math.round(x)}s` : `${Math.round(x / 60)}m`)) },
                      ],
                      series: [
                        { label: t('aStation'), value: (_u, i) => (i == null ? '' : stations[i]?.station ?? '') },
                        { label: t('dMedian'), fill: BLUE + 'cc', stroke: BLUE, paths: bars(U, 0.35, -1), value: (_u, v) => fmtSecs(v) },
                        { label: 'p90', fill: RED + 'aa', stroke: RED, paths: bars(U, 0.35, 1), value: (_u, v) => fmtSecs(v) },
                      ],
                    })}
                  />
                  <table class="grid compact" data-testid="station-times">
                    <thead>
                      <tr>
                        <th>{t('aStation')}</th>
                        <th class="num">{t('dReadyTickets')}</th>
                        <th class="num">{t('dMedian')}</th>
                        <th class="num">p90</th>
                      </tr>
                    </thead>
                    <tbody>
                      {stations.map((x) => (
                        <tr key={x.station}>
                          <td>{x.station}</td>
                          <td class="num">{x.tickets_ready}</td>
                          <td class="num">{fmtSecs(x.median_fire_to_ready_secs)}</td>
                          <td class="num">{fmtSecs(x.p90_fire_to_ready_secs)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              )}
            </section>
            <section class="panel">
              <h2>{t('fTopProducts')}</h2>
              {top.length === 0 ? (
                <p class="muted">{t('dNoData')}</p>
              ) : (
                <Chart
                  testid="chart-top"
                  label={t('fTopProducts')}
                  data={[top.map((_, i) => i), top.map((x) => x.quantity)]}
                  build={(U) => ({
                    scales: { x: { time: false, range: [-0.5, top.length - 0.5] }, y: ZERO },
                    axes: [
                      { ...AXIS, size: 70, rotate: -30, values: (_u, v) => v.map((i) => (Number.isInteger(i) ? (top[i]?.name ?? '').slice(0, 14) : '')) } as uPlotT.Axis,
                      { ...AXIS },
                    ],
                    series: [
                      { label: t('aName'), value: (_u, i) => (i == null ? '' : top[i]?.name ?? '') },
                      { label: t('dQty'), fill: AMBER + 'cc', stroke: AMBER, paths: bars(U) },
                    ],
                  })}
                />
              )}
            </section>
          </div>
        </>
      )}
    </AdminPage>
  );
}
