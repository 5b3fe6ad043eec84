// Who is logged in. The token survives a reload (localStorage) until it expires or is refused.

import { api, configureApi } from './api';
import { Store } from './store';
import type { Role, User } from './types';

export interface Session {
  token: string;
  expires_at: string;
  user: User;
}

const KEY = 'kenangan.session';

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (!s.token || !s.user || Date.parse(s.expires_at) <= Date.now()) return null;
    return s;
  } catch {
    return null;
  }
}

export const session = new Store<Session | null>(typeof window === 'undefined' ? null : load());

/** When to refresh a token: once three quarters of its life (from the JWT's `iat` to
 *  `expires_at`) have passed, so a screen left on all shift never meets the login page. A token
 *  whose claims cannot be read is refreshed 15 minutes before it expires. */
export function refreshAt(s: Pick<Session, 'token' | 'expires_at'>): number {
  const exp = Date.parse(s.expires_at);
  try {
    const b64 = s.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const iat = Number((JSON.parse(atob(b64)) as { iat?: unknown }).iat) * 1000;
    if (Number.isFinite(iat) && iat < exp) return exp - (exp - iat) / 4;
  } catch {
    /* not a JWT we can read */
  }
  return exp - 15 * 60_000;
}

function store(s: Session): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    /* no storage: the session lives until reload */
  }
  session.set(s);
}

// One timer for the page: refresh when due; on a network failure try again in a minute (the
// old token stays valid until it expires); a 401 logs out through the api's handler.
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleRefresh(s: Session | null): void {
  clearTimeout(refreshTimer);
  if (!s || typeof window === 'undefined') return;
  const run = async () => {
    const current = session.get();
    if (!current || current.token !== s.token) return;
    try {
      store(await api<Session>('POST', '/auth/refresh'));
    } catch {
      if (session.get()?.token === s.token && Date.parse(s.expires_at) > Date.now() + 60_000) {
        refreshTimer = setTimeout(run, 60_000);
      }
    }
  };
  // setTimeout holds at most ~24.8 days; tokens live at most a week.
  refreshTimer = setTimeout(run, Math.max(0, refreshAt(s) - Date.now()));
}
session.subscribe(scheduleRefresh);
scheduleRefresh(session.get());
/** Why the last session ended, shown on the login page ('expired'), or null. */
export const loggedOutReason = new Store<string | null>(null);

configureApi({
  token: () => session.get()?.token ?? null,
  unauthorized: () => logout('expired'),
});

export async function login(username: string, password: string): Promise<Session> {
  const s = await api<Session>('POST', '/auth/login', { body: { username, password }, token: null });
  loggedOutReason.set(null);
  store(s);
  return s;
}

export function logout(reason: string | null = null): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* no storage */
  }
  loggedOutReason.set(reason);
  session.set(null);
}

/** Where each role starts. */
export function landing(role: Role): string {
  switch (role) {
    case 'kitchen':
      return `/kds/${lastStation() ?? 'kitchen'}`;
    case 'bar':
      return '/kds/bar';
    case 'waiter':
      return '/waiter';
    default:
      return '/floor';
  }
}

/** The screens a role may open (DESIGN §4 topics). */
export function screensFor(role: Role, stations: string[]): { path: string; label: string; station?: string }[] {
  const out: { path: string; label: string; station?: string }[] = [];
  const boss = role === 'admin' || role === 'manager';
  if (boss || role === 'cashier') out.push({ path: '/floor', label: 'floor' });
  if (boss || role === 'waiter') out.push({ path: '/waiter', label: 'waiter' });
  if (boss || role === 'kitchen') out.push({ path: '/expo', label: 'expo' });
  for (const code of stations) {
    if (code === 'expo') continue;
    const mine = code === 'bar' ? role === 'bar' : role === 'kitchen';
    if (boss || mine) out.push({ path: `/kds/${code}`, label: 'kds', station: code });
  }
  if (boss) out.push({ path: '/admin', label: 'admin' });
  out.push({ path: '/account', label: 'account' });
  return out;
}

/** A tablet stays at one station: remember the last station display opened on this device. */
export function lastStation(): string | null {
  try {
    return localStorage.getItem('kenangan.station');
  } catch {
    return null;
  }
}

export function rememberStation(code: string): void {
  try {
    localStorage.setItem('kenangan.station', code);
  } catch {
    /* no storage */
  }
}
