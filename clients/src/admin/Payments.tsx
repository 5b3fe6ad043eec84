// Payments: the tax and service-charge rates new orders get, and the restaurant's QRIS image.

import { useEffect, useState } from 'preact/hooks';
import { api, apiUpload, MAX_UPLOAD_BYTES } from '../lib/api';
import { parsePercent } from '../lib/forms';
import { t, useLang } from '../lib/i18n';
import type { Settings } from '../lib/types';
import { AdminPage, Field, FormError, serverMessage } from './common';

const val = (e: Event) => (e.target as HTMLInputElement).value;

export function PaymentsAdmin() {
  useLang();
  const [s, setS] = useState<Settings | null>(null);
  const [tax, setTax] = useState('');
  const [svc, setSvc] = useState('');
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  const [msg, setMsg] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [qrisErr, setQrisErr] = useState<string | null>(null);
  const [qrisOk, setQrisOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The rate inputs stay disabled until the current rates arrive, so nothing typed is overwritten by the load.
  const take = (x: Settings) => {
    setS(x);
    setTax(String(x.tax_rate_percent));
    setSvc(String(x.service_charge_percent));
  };
  useEffect(() => {
    api<Settings>('GET', '/settings').then(take).catch((e) => setMsg(serverMessage(e)));
  }, []);

  const save = async (e: Event) => {
    e.preventDefault();
    setOk(null);
    setMsg(null);
    const tr = parsePercent(tax);
    const sr = parsePercent(svc);
    setErrors({ tax: tr === null ? t('vPercent') : null, service: sr === null ? t('vPercent') : null });
    if (tr === null || sr === null) return;
    setBusy(true);
    try {
      take(await api<Settings>('PUT', '/settings', { body: { tax_rate_percent: tr, service_charge_percent: sr } }));
      setOk(t('aRatesSaved'));
    } catch (x) {
      setMsg(serverMessage(x));
    } finally {
      setBusy(false);
    }
  };

  const upload = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const f = input.files?.[0];
    setQrisErr(null);
    setQrisOk(null);
    if (!f) return;
    if (!/^image\/(png|jpeg|webp)$/.test(f.type)) return setQrisErr(t('vImageType'));
    if (f.size > MAX_UPLOAD_BYTES) return setQrisErr(t('vImageTooBig', { mb: (f.size / 1048576).toFixed(1), max: MAX_UPLOAD_BYTES / 1048576 }));
    try {
      setS(await apiUpload<Settings>('/settings/qris', f, f.name || 'qris.png'));
      setQrisOk(t('aQrisSaved'));
    } catch (x) {
      setQrisErr(serverMessage(x));
    }
    input.value = '';
  };

  return (
    <AdminPage title={t('aPayments')} testid="admin-payments">
      <div class="admin-cols">
        <section class="panel">
          <h2>{t('aRates')}</h2>
          <form class="form-col" onSubmit={save} noValidate data-testid="rates-form">
            <Field label={t('aTaxRate')} error={errors.tax} hint={s?.tax_rate_default_percent !== undefined ? t('aDefault', { n: s.tax_rate_default_percent }) : undefined}>
              <input name="tax" value={tax} onInput={(e) => setTax(val(e))} inputMode="decimal" class="short" disabled={!s} />
            </Field>
            <Field label={t('aServiceRate')} error={errors.service} hint={s?.service_charge_default_percent !== undefined ? t('aDefault', { n: s.service_charge_default_percent }) : undefined}>
              <input name="service" value={svc} onInput={(e) => setSvc(val(e))} inputMode="decimal" class="short" disabled={!s} />
            </Field>
            <p class="muted">{t('aRatesNewOnly')}</p>
            <FormError msg={msg} />
            {ok && <p class="info" role="status">{ok}</p>}
            <button class="btn btn-primary" disabled={busy || !s} data-testid="save-rates">
              {t('save')}
            </button>
          </form>
        </section>
        <section class="panel">
          <h2>QRIS</h2>
          {s?.qris_image_url ? <img class="qris-preview" src={s.qris_image_url} alt="QRIS" data-testid="qris-image" /> : <p class="muted">{t('aNoQris')}</p>}
          <Field label={t('aUploadQris')} error={qrisErr} hint={t('aPhotoHint', { max: MAX_UPLOAD_BYTES / 1048576 })}>
            <input type="file" accept="image/png,image/jpeg,image/webp" onChange={upload} data-testid="qris-file" />
          </Field>
          {qrisOk && <p class="info" role="status">{qrisOk}</p>}
        </section>
      </div>
    </AdminPage>
  );
}
