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
/** Why the last session ended, shown on the login page ('expired'), or null. */
export const loggedOutReason = new Store<string | null>(null);

configureApi({
  token: () => session.get()?.token ?? null,
  unauthorized: () => logout('expired'),
});

export async function login(username: string, password: string): Promise<Session> {
  const s = await api<Session>('POST', '/auth/login', { body: { username, password }, token: null });
  localStorage.setItem(KEY, JSON.stringify(s));
  loggedOutReason.set(null);
  session.set(s);
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
