// Who is logged in. The token survives a reload (localStorage) until it expires or is refused.

import { api, configureApi } from './api';
import { Store } from './store';
import type { Role, User } from './types';

export interface Session {
  token: string;
  expires_at: string;
  user: User;
  /** This device's clock when the token arrived: refreshes are timed from it, so a tablet whose
   *  clock is wrong still refreshes on time (and never in a loop). */
  received_at?: number;
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

/** Never refresh more often than this, whatever the token says. */
const MIN_REFRESH_MS = 60_000;

/** When to refresh a token, on this device's clock: once three quarters of its life (the JWT's
 *  `iat` to `exp`, counted from when it arrived) have passed, so a screen left on all shift never
 *  meets the login page. A token whose claims cannot be read, or one kept from before
 *  `received_at` existed, is refreshed a minute from now. Null: too short-lived to refresh (the
 *  end of the weekly login); it runs out and the login page follows. */
export function refreshAt(s: Pick<Session, 'token' | 'received_at'>, now: number): number | null {
  if (s.received_at === undefined) return now + MIN_REFRESH_MS;
  try {
    const b64 = s.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const c = JSON.parse(atob(b64)) as { iat?: unknown; exp?: unknown };
    const life = (Number(c.exp) - Number(c.iat)) * 1000;
    if (!Number.isFinite(life)) return now + MIN_REFRESH_MS;
    if (life < 4 * MIN_REFRESH_MS) return null;
    return Math.max(s.received_at + (life * 3) / 4, now + MIN_REFRESH_MS);
  } catch {
    return now + MIN_REFRESH_MS; // not a JWT we can read
  }
}

function store(s: Session): void {
  s.received_at ??= Date.now();
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
    if (session.get()?.token !== s.token) return;
    try {
      const fresh = await api<Session>('POST', '/auth/refresh');
      // Logged out, or someone else logged in, while the answer was on its way: keep theirs.
      if (session.get()?.token === s.token) store(fresh);
    } catch {
      if (session.get()?.token === s.token && Date.parse(s.expires_at) > Date.now() + 60_000) {
        refreshTimer = setTimeout(run, 60_000);
      }
    }
  };
  const at = refreshAt(s, Date.now());
  // setTimeout holds at most ~24.8 days; tokens live at most a week.
  if (at !== null) refreshTimer = setTimeout(run, at - Date.now());
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
