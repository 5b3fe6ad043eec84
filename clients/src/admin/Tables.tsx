// Tables: areas and tables (label, capacity), each table's QR code shown and downloadable as a
// PNG, and a printable sheet of every table's code.

import { useEffect, useState } from 'preact/hooks';
import { api, API_BASE } from '../lib/api';
import { parseIntIn, type Errors } from '../lib/forms';
import { t, useLang } from '../lib/i18n';
import type { Table } from '../lib/types';
import { AdminPage, Field, FormError, Link, serverMessage, splitServerError, tk } from './common';

const val = (e: Event) => (e.target as HTMLInputElement).value;
export const qrUrl = (id: number) => `${API_BASE}/tables/${id}/qr.png`;

function byArea(tables: Table[]): [string, Table[]][] {
  const m = new Map<string, Table[]>();
  for (const x of tables) m.set(x.area, [...(m.get(x.area) ?? []), x]);
  return [...m.entries()];
}

interface TableForm {
  label: string;
  area: string;
  capacity: string;
}

function check(f: TableForm): { errors: Errors; body: { label: string; area: string; capacity: number } | null } {
  const errors: Errors = {};
  const label = f.label.trim();
  const area = f.area.trim() || 'Main';
  if (!label) errors.label = 'vRequired';
  else if (label.length > 20) errors.label = 'vTooLong';
  if (area.length > 40) errors.area = 'vTooLong';
  const capacity = parseIntIn(f.capacity, 1, 100);
  if (capacity === null) errors.capacity = 'vCapacity';
  return Object.keys(errors).length ? { errors, body: null } : { errors, body: { label, area, capacity: capacity! } };
}

export function TablesAdmin() {
  useLang();
  const [tables, setTables] = useState<Table[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [f, setF] = useState<TableForm>({ label: '', area: '', capacity: '4' });
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  const [msg, setMsg] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const load = () =>
    api<Table[]>('GET', '/tables')
      .then((x) => {
        setTables(x);
        setLoadError(null);
      })
      .catch((e) => setLoadError(serverMessage(e)));
  useEffect(() => void load(), []);
  const areas = [...new Set(tables.map((x) => x.area))];

  const add = async (e: Event) => {
    e.preventDefault();
    setMsg(null);
    const { errors: er, body } = check(f);
    setErrors(Object.fromEntries(Object.entries(er).map(([k, v]) => [k, tk(v)])));
    if (!body) return;
    try {
      await api('POST', '/tables', { body });
      setF({ label: '', area: f.area, capacity: f.capacity });
      void load();
    } catch (x) {
      const s = splitServerError(x, ['label', 'area', 'capacity']);
      if (s.field) setErrors({ [s.field]: s.msg });
      else if ((x as { code?: string }).code === 'already_exists') setErrors({ label: s.msg });
      else setMsg(s.msg);
    }
  };

  return (
    <AdminPage title={t('aTables')} testid="admin-tables">
      <FormError msg={loadError} />
      <section class="panel">
        <div class="panel-head">
          <h2>{t('aAddTable')}</h2>
          <Link to="/admin/tables/print" class="btn" data-testid="print-sheet">
            {t('aPrintSheet')}
          </Link>
        </div>
        <form class="form-row" onSubmit={add} noValidate data-testid="table-form">
          <Field label={t('aLabel')} error={errors.label}>
            <input name="label" value={f.label} onInput={(e) => setF({ ...f, label: val(e) })} maxLength={30} placeholder="T12" />
          </Field>
          <Field label={t('aArea')} error={errors.area}>
            <input name="area" value={f.area} onInput={(e) => setF({ ...f, area: val(e) })} list="areas" maxLength={50} placeholder="Main" />
            <datalist id="areas">
              {areas.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
          </Field>
          <Field label={t('aCapacity')} error={errors.capacity}>
            <input name="capacity" value={f.capacity} onInput={(e) => setF({ ...f, capacity: val(e) })} inputMode="numeric" class="short" />
          </Field>
          <button class="btn btn-primary" data-testid="add-table">{t('aAdd')}</button>
        </form>
        <FormError msg={msg} />
      </section>
      {byArea(tables).map(([area, list]) => (
        <section class="panel" key={area}>
          <h2>{area}</h2>
          <ul class="qr-grid">
            {list.map((x) =>
              editing === x.id ? (
                <TableEdit key={x.id} table={x} onDone={() => { setEditing(null); void load(); }} />
              ) : (
                <li key={x.id} class="qr-card" data-testid="table-card" data-label={x.label}>
                  <img src={qrUrl(x.id)} alt={t('aQrOf', { label: x.label })} width={120} height={120} loading="lazy" />
                  <div>
                    <strong class="qr-label">{x.label}</strong>
                    <div class="muted">{t('aSeats', { n: x.capacity })}</div>
                    <a class="btn btn-ghost" href={qrUrl(x.id)} download={`table-${x.label}-qr.png`} data-testid="qr-download">
                      {t('aDownloadPng')}
                    </a>
                    <button type="button" class="btn btn-ghost" onClick={() => setEditing(x.id)}>
                      {t('aEdit')}
                    </button>
                  </div>
                </li>
              ),
            )}
          </ul>
        </section>
      ))}
    </AdminPage>
  );
}

function TableEdit({ table, onDone }: { table: Table; onDone: () => void }) {
  const [f, setF] = useState<TableForm>({ label: table.label, area: table.area, capacity: String(table.capacity) });
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  const [msg, setMsg] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    const { errors: er, body } = check(f);
    setErrors(Object.fromEntries(Object.entries(er).map(([k, v]) => [k, tk(v)])));
    if (!body) return;
    try {
      await api('PATCH', `/tables/${table.id}`, { body });
      onDone();
    } catch (x) {
      setMsg(serverMessage(x));
    }
  };
  return (
    <li class="qr-card editing">
      <form onSubmit={save} noValidate class="form-col">
        <Field label={t('aLabel')} error={errors.label}>
          <input value={f.label} onInput={(e) => setF({ ...f, label: val(e) })} />
        </Field>
        <Field label={t('aArea')} error={errors.area}>
          <input value={f.area} onInput={(e) => setF({ ...f, area: val(e) })} />
        </Field>
        <Field label={t('aCapacity')} error={errors.capacity}>
          <input value={f.capacity} onInput={(e) => setF({ ...f, capacity: val(e) })} inputMode="numeric" />
        </Field>
        <FormError msg={msg} />
        <div class="form-actions">
          <button type="button" class="btn btn-ghost" onClick={onDone}>{t('cancel')}</button>
          <button class="btn btn-primary">{t('save')}</button>
        </div>
      </form>
    </li>
  );
}

/** Every table's QR code on one printable sheet (the browser's print: nav and buttons hidden). */
export function TablesPrint() {
  useLang();
  const [tables, setTables] = useState<Table[]>([]);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    document.title = `${t('aPrintSheet')} — Kenangan`;
    api<Table[]>('GET', '/tables').then(setTables).catch((e) => setErr(serverMessage(e)));
  }, []);
  return (
    <div class="print-sheet" data-testid="print-sheet-page">
      <div class="no-print panel-head">
        <Link to="/admin/tables" class="btn btn-ghost">{t('back')}</Link>
        <button type="button" class="btn btn-primary" onClick={() => window.print()}>
          {t('aPrint')}
        </button>
      </div>
      <FormError msg={err} />
      <ul class="sheet-grid">
        {tables.map((x) => (
          <li key={x.id} class="sheet-card">
            <img src={qrUrl(x.id)} alt={t('aQrOf', { label: x.label })} width={180} height={180} />
            <strong>{x.label}</strong>
            <span>{t('aScanToOrder')}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
