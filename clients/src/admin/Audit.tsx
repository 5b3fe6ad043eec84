// Audit: who voided, cancelled, recalled or changed what and when (the event log), by day and user.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { isDate } from '../lib/forms';
import { t, useLang } from '../lib/i18n';
import { session } from '../lib/session';
import { useStore } from '../lib/store';
import type { AuditEntry, User } from '../lib/types';
import { AdminPage, DateInput, FormError, serverMessage } from './common';

const KINDS = ['order.item_voided', 'order.cancelled', 'order.paid', 'ticket.recalled', 'ticket.voided', 'product.created', 'product.updated', 'product.availability', 'settings.updated', 'user.created', 'user.updated'];

export function AuditAdmin() {
  useLang();
  const me = useStore(session)?.user;
  // '' = the restaurant's today (its timezone, which may not be this device's).
  const [date, setDate] = useState('');
  const [shownDate, setShownDate] = useState('');
  const [user, setUser] = useState('');
  const [kind, setKind] = useState('');
  const [users, setUsers] = useState<{ id: number; name: string }[]>([]);
  const [rows, setRows] = useState<AuditEntry[] | null>(null);
  const [err, setErr] = useState<string | null>(null);

  useEffect(() => {
    // Admins can list users; a manager filters by the people seen in the log.
    if (me?.role === 'admin') api<User[]>('GET', '/admin/users').then((u) => setUsers(u.map((x) => ({ id: x.id, name: x.full_name })))).catch(() => {});
  }, []);
  useEffect(() => {
    if (date && !isDate(date)) return setErr(t('vDate'));
    const q = new URLSearchParams();
    if (date) q.set('date', date);
    if (user) q.set('user_id', user);
    if (kind) q.set('kind', kind);
    setErr(null);
    api<{ entries?: AuditEntry[] } | AuditEntry[]>('GET', `/audit?${q}`)
      .then((d) => {
        const r = Array.isArray(d) ? d : (d?.entries ?? []);
        if (!Array.isArray(d) && typeof (d as { date?: unknown })?.date === 'string') setShownDate((d as { date: string }).date);
        setRows(r);
        if (me?.role !== 'admin') {
          setUsers((cur) => {
            const m = new Map(cur.map((x) => [x.id, x.name]));
            for (const e of r) if (e.actor_id !== null) m.set(e.actor_id, e.actor_name ?? `#${e.actor_id}`);
            return [...m.entries()].map(([id, name]) => ({ id, name }));
          });
        }
      })
      .catch((e) => setErr(serverMessage(e)));
  }, [date, user, kind]);

  return (
    <AdminPage title={t('aAudit')} testid="admin-audit">
      <section class="panel">
        <div class="form-row">
          <DateInput label={t('aDay')} value={date || shownDate} onChange={setDate} />
          <label class="field field-inline">
            <span>{t('aWho')}</span>
            <select value={user} onChange={(e) => setUser((e.target as HTMLSelectElement).value)} data-testid="audit-user">
              <option value="">{t('aEveryone')}</option>
              {users.map((u) => (
                <option key={u.id} value={String(u.id)}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <label class="field field-inline">
            <span>{t('aKind')}</span>
            <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)} data-testid="audit-kind">
              <option value="">{t('aAllKinds')}</option>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
        </div>
        <FormError msg={err} />
        {rows && rows.length === 0 && <p class="muted">{t('aAuditEmpty')}</p>}
        {rows && rows.length > 0 && (
          <table class="grid" data-testid="audit-list">
            <thead>
              <tr>
                <th>{t('aWhen')}</th>
                <th>{t('aWho')}</th>
                <th>{t('aKind')}</th>
                <th>{t('aWhat')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.seq} data-testid="audit-row" data-kind={r.kind}>
                  <td>{new Date(r.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}</td>
                  <td>
                    {r.actor_name ?? '—'}
                    {r.actor_role && <span class="muted small"> ({r.actor_role})</span>}
                  </td>
                  <td>
                    <code>{r.kind}</code>
                  </td>
                  <td>{r.what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </AdminPage>
  );
}
