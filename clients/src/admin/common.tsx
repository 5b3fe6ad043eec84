// The back office's frame: the header, a nav of its pages, and the small form pieces every page
// uses (a labelled field with its error in place, a form-level server error).

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorField } from '../lib/api';
import { t, useLang, type Key } from '../lib/i18n';
import { navigate, path } from '../lib/router';
import { session } from '../lib/session';
import { useStore } from '../lib/store';
import type { Role } from '../lib/types';
import { Header } from '../ui/common';

export const isBoss = (r: Role | undefined) => r === 'admin' || r === 'manager';

export function adminPages(role: Role): { path: string; label: Key }[] {
  const out: { path: string; label: Key }[] = [];
  if (isBoss(role)) {
    out.push(
      { path: '/admin/dashboard', label: 'aDashboard' },
      { path: '/admin/menu', label: 'aMenu' },
      { path: '/admin/tables', label: 'aTables' },
      { path: '/admin/payments', label: 'aPayments' },
    );
    if (role === 'admin') out.push({ path: '/admin/staff', label: 'aStaff' });
    out.push({ path: '/admin/audit', label: 'aAudit' });
  }
  out.push({ path: '/account', label: 'aAccount' });
  return out;
}

export function Link({ to, children, ...rest }: { to: string; children: ComponentChildren } & JSX.HTMLAttributes<HTMLAnchorElement>) {
  return (
    <a
      href={to}
      {...rest}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export function AdminPage({ title, testid, children }: { title: string; testid: string; children: ComponentChildren }) {
  useLang();
  const s = useStore(session);
  const p = useStore(path);
  const role = s?.user.role;
  if (typeof document !== 'undefined') document.title = `${title} — Kenangan`;
  return (
    <div class="admin" data-testid={testid}>
      <Header title={title} />
      <nav class="admin-nav no-print" aria-label={t('aBackOffice')}>
        {role && role !== 'waiter' && role !== 'kitchen' && role !== 'bar' && (
          <Link to="/floor" class="admin-link">
            {t('screenFloor')}
          </Link>
        )}
        {role === 'waiter' && <Link to="/waiter" class="admin-link">{t('screenWaiter')}</Link>}
        {role === 'kitchen' || role === 'bar' ? <Link to="/" class="admin-link">{t('back')}</Link> : null}
        {role &&
          adminPages(role).map((x) => (
            <Link key={x.path} to={x.path} class={`admin-link ${p.startsWith(x.path) ? 'active' : ''}`} aria-current={p.startsWith(x.path) ? 'page' : undefined} data-testid={`nav-${x.path.split('/').pop()}`}>
              {t(x.label)}
            </Link>
          ))}
      </nav>
      <main class="admin-main">{children}</main>
    </div>
  );
}

export function Field({ label, error, hint, children, wide }: { label: string; error?: Key | string | null; hint?: string; children: ComponentChildren; wide?: boolean }) {
  return (
    <label class={`field ${wide ? 'field-wide' : ''} ${error ? 'field-bad' : ''}`}>
      <span>{label}</span>
      {children}
      {hint && !error && <small class="muted">{hint}</small>}
      {error && (
        <small class="field-error" role="alert" data-testid="field-error">
          {error}
        </small>
      )}
    </label>
  );
}

/** The server's message for a failed request, in place (network failures said plainly). */
export function serverMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('cannotReach');
    if (e.status === 413) return t('aTooLargeServer', { msg: e.message });
    return e.message || e.code;
  }
  return e instanceof Error ? e.message : String(e);
}

export function FormError({ msg }: { msg: string | null }) {
  if (!msg) return null;
  return (
    <p class="error" role="alert" data-testid="form-error">
      {msg}
    </p>
  );
}

/** Maps a field-level server answer onto the form's errors; the rest goes to the form error. */
export function splitServerError(e: unknown, fields: string[]): { field: string | null; msg: string } {
  const f = errorField(e);
  return { field: f && fields.includes(f) ? f : null, msg: serverMessage(e) };
}

export const tk = (k: Key | string | null | undefined): string | null => (k ? (t(k as Key) ?? k) : null);

/** `YYYY-MM-DD` input (the native date picker). */
export function DateInput({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) {
  return (
    <label class="field field-inline">
      <span>{label}</span>
      <input type="date" value={value} data-testid="date" onInput={(e) => onChange((e.target as HTMLInputElement).value)} />
    </label>
  );
}

/** A text edited in place: saved on Enter or when it loses focus, Escape undoes. `check` adds a
 *  rule of the caller's (it returns an i18n key); errors from the server show beside it.
 *  `optional`: an emptied field is saved as "" (cleared) instead of refused. */
export function InlineText({ value, max, save, label, check, testid, placeholder, optional }: { value: string; max: number; save: (v: string) => Promise<void>; label: string; check?: (v: string) => Key | null; testid?: string; placeholder?: string; optional?: boolean }) {
  const [v, setV] = useState(value);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => setV(value), [value]);
  const commit = async () => {
    const n = v.trim();
    if (n === value) return setErr(null);
    if (!n && !optional) return setErr(t('vRequired'));
    if (n.length > max) return setErr(t('vTooLong'));
    const bad = check?.(n);
    if (bad) return setErr(t(bad));
    try {
      await save(n);
      setErr(null);
    } catch (x) {
      setErr(serverMessage(x));
    }
  };
  return (
    <span class="grow inline-name">
      <input
        aria-label={label}
        value={v}
        maxLength={max + 20}
        data-testid={testid}
        placeholder={placeholder}
        onInput={(e) => setV((e.target as HTMLInputElement).value)}
        onBlur={() => void commit()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void commit();
          } else if (e.key === 'Escape') setV(value);
        }}
      />
      {err && <span class="field-error" role="alert">{err}</span>}
    </span>
  );
}
