// The cashier's bill: an order's items, subtotal, service charge and tax, the total in Rupiah;
// pay by cash (the change shown), card, or QRIS (the restaurant's QRIS image full-screen for the
// guest); then free the table.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { changeFor, parseRupiah } from '../lib/forms';
import { t, useLang } from '../lib/i18n';
import { rupiah } from '../lib/money';
import { navigate } from '../lib/router';
import type { Order, PayMethod, Settings } from '../lib/types';
import { AdminPage, Field, FormError, serverMessage } from '../admin/common';

const pct = (bp: number | undefined) => (bp === undefined ? '' : ` (${(bp / 100).toLocaleString()}%)`);

/** Round amounts a guest is likely to hand over: the total rounded up to 10k, 50k, 100k. */
export function quickCash(total: number): number[] {
  const out = new Set<number>([total]);
  for (const step of [10_000, 50_000, 100_000]) out.add(Math.ceil(total / step) * step);
  return [...out].sort((a, b) => a - b).slice(0, 4);
}

export function Bill({ orderId }: { orderId: number }) {
  useLang();
  const [o, setO] = useState<Order | null>(null);
  const [qris, setQris] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [method, setMethod] = useState<PayMethod>('cash');
  const [tendered, setTendered] = useState('');
  const [fieldErr, setFieldErr] = useState<string | null>(null);
  const [paid, setPaid] = useState<{ change: number; method: PayMethod } | null>(null);
  const [showQris, setShowQris] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = () =>
    api<Order>('GET', `/orders/${orderId}`)
      .then(setO)
      .catch((e) => setErr(serverMessage(e)));
  useEffect(() => {
    void load();
    api<Settings>('GET', '/settings').then((s) => setQris(s.qris_image_url)).catch(() => {});
  }, [orderId]);

  const pay = async () => {
    if (!o) return;
    setErr(null);
    setFieldErr(null);
    let amount = o.total;
    if (method === 'cash' && tendered.trim()) {
      const n = parseRupiah(tendered);
      if (n === null) return setFieldErr(t('vPrice'));
      if (n < o.total) return setFieldErr(t('bShort', { total: rupiah(o.total) }));
      amount = n;
    }
    setBusy(true);
    try {
      const r = await api<{ order: Order; change: number }>('POST', `/orders/${o.id}/pay`, {
        body: { method, amount_tendered: amount },
        headers: { 'If-Match': String(o.version) },
      });
      setO(r.order);
      setPaid({ change: r.change, method });
      setShowQris(false);
    } catch (x) {
      const code = (x as { code?: string }).code;
      if (code === 'version_conflict') {
        await load();
        setErr(t('bChanged'));
      } else setErr(serverMessage(x));
    } finally {
      setBusy(false);
    }
  };

  const clear = async () => {
    if (!o?.table_id) return navigate('/floor');
    try {
      await api('POST', `/tables/${o.table_id}/clear`);
      navigate('/floor');
    } catch (x) {
      setErr(serverMessage(x));
    }
  };

  const items = (o?.items ?? []).filter((i) => i.status !== 'voided');
  const change = o && method === 'cash' ? changeFor(o.total, tendered) : null;
  const title = o ? t('bTitle', { table: o.table_label ?? t('kdsTakeaway', { n: o.id }) }) : t('bBill');

  return (
    <AdminPage title={title} testid="bill">
      <FormError msg={err} />
      {!o && !err && <p class="muted">{t('loading')}</p>}
      {o && (
        <div class="bill-layout">
          <section class="panel bill" data-testid="bill-lines" data-total={o.total} data-status={o.status}>
            <h2>
              {t('bOrder', { n: o.id })} · {o.waiter_name} · {t('kdsCovers', { n: o.covers })}
            </h2>
            <table class="grid compact">
              <tbody>
                {items.map((i) => (
                  <tr key={i.id}>
                    <td class="num">{i.quantity}×</td>
                    <td>
                      {i.name}
                      {i.modifiers.length > 0 && <span class="muted small"> · {i.modifiers.join(', ')}</span>}
                    </td>
                    <td class="num">{rupiah(i.unit_price * i.quantity)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <td />
                  <td>{t('bSubtotal')}</td>
                  <td class="num">{rupiah(o.subtotal)}</td>
                </tr>
                <tr>
                  <td />
                  <td>{t('dService')}{pct(o.service_rate_bp)}</td>
                  <td class="num" data-testid="bill-service">{rupiah(o.service_charge)}</td>
                </tr>
                <tr>
                  <td />
                  <td>{t('dTax')}{pct(o.tax_rate_bp)}</td>
                  <td class="num" data-testid="bill-tax">{rupiah(o.tax)}</td>
                </tr>
                <tr class="total">
                  <td />
                  <td>{t('bTotal')}</td>
                  <td class="num" data-testid="bill-total">{rupiah(o.total)}</td>
                </tr>
              </tfoot>
            </table>
          </section>
          <section class="panel pay">
            {o.status === 'open' && !paid && (
              <>
                <div class="seg" role="radiogroup" aria-label={t('bMethod')}>
                  {(['cash', 'card', 'qris'] as PayMethod[]).map((m) => (
                    <button key={m} type="button" role="radio" aria-checked={method === m} class={`btn btn-big ${method === m ? 'btn-primary' : ''}`} data-testid={`method-${m}`} onClick={() => setMethod(m)}>
                      {t(`bM_${m}`)}
                    </button>
                  ))}
                </div>
                {method === 'cash' && (
                  <>
                    <Field label={t('bTendered')} error={fieldErr}>
                      <input name="tendered" inputMode="numeric" value={tendered} placeholder={rupiah(o.total)} onInput={(e) => setTendered((e.target as HTMLInputElement).value)} data-testid="tendered" />
                    </Field>
                    <div class="quick">
                      {quickCash(o.total).map((a) => (
                        <button key={a} type="button" class="btn" onClick={() => setTendered(String(a))}>
                          {rupiah(a)}
                        </button>
                      ))}
                    </div>
                    <p class="change" data-testid="change-preview">
                      {t('bChange')}: <strong>{change === null ? '—' : rupiah(change)}</strong>
                    </p>
                  </>
                )}
                {method === 'qris' && (
                  <button type="button" class="btn btn-big" data-testid="show-qris" onClick={() => setShowQris(true)} disabled={!qris}>
                    {qris ? t('bShowQris') : t('bNoQris')}
                  </button>
                )}
                <button type="button" class="btn btn-big btn-primary" disabled={busy} onClick={() => void pay()} data-testid="pay">
                  {t('bPay', { total: rupiah(o.total) })}
                </button>
              </>
            )}
            {(paid || o.status === 'paid') && (
              <div class="paid" role="status" data-testid="paid">
                <p class="paid-big">{t('bPaid')}</p>
                {paid && paid.method === 'cash' && (
                  <p class="change">
                    {t('bChange')}: <strong data-testid="change">{rupiah(paid.change)}</strong>
                  </p>
                )}
                {o.table_id && (
                  <button type="button" class="btn btn-big btn-primary" onClick={() => void clear()} data-testid="clear-table">
                    {t('bClearTable')}
                  </button>
                )}
              </div>
            )}
            {o.status === 'cancelled' && <p class="error">{t('bCancelled')}</p>}
          </section>
        </div>
      )}
      {showQris && o && qris && (
        <div class="qris-full" role="dialog" aria-modal="true" aria-label="QRIS" data-testid="qris-full" onClick={() => setShowQris(false)}>
          <img src={qris} alt="QRIS" />
          <p class="qris-total">{rupiah(o.total)}</p>
          <p class="muted">{t('bTapToClose')}</p>
        </div>
      )}
    </AdminPage>
  );
}
