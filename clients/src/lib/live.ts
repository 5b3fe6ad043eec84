// Binds the protocol client to a screen: one connection per screen, the device's network and
// visibility events, and the session (4001 → log in again).

import { useEffect, useRef, useState } from 'preact/hooks';
import { type ConnInfo, type EventFrame, HubClient, type PresenceFrame, wsUrl } from './protocol';
import { API_BASE } from './api';
import { logout, session } from './session';

export interface LiveHandlers {
  snapshot(topic: string, state: unknown, seq: number): void;
  event(ev: EventFrame): void;
  presence?(f: PresenceFrame): void;
}

/** Exposed for the e2e tests and for support: `window.__kenangan.hub.info`. */
declare global {
  interface Window {
    __kenangan?: { hub?: HubClient };
  }
}

export function useLive(topics: string[], handlers: LiveHandlers): ConnInfo {
  const h = useRef(handlers);
  h.current = handlers;
  const key = topics.join(',');
  const [info, setInfo] = useState<ConnInfo | null>(null);
  useEffect(() => {
    if (topics.length === 0) return;
    const hub = new HubClient({
      url: () => wsUrl(null, location, API_BASE),
      token: () => session.get()?.token ?? '',
      topics,
      handlers: {
        snapshot: (t, s, seq) => h.current.snapshot(t, s, seq),
        event: (e) => h.current.event(e),
        presence: (f) => h.current.presence?.(f),
        status: (i) => setInfo(i),
        authFailed: () => logout('expired'),
      },
    });
    window.__kenangan = { ...window.__kenangan, hub };
    // A refreshed token (lib/session.ts) goes to the open socket at once.
    let token = session.get()?.token;
    const unwatch = session.subscribe((s) => {
      if (s && s.token !== token) {
        token = s.token;
        hub.reauth();
      }
    });
    const offline = () => hub.offline();
    const online = () => hub.reconnectNow();
    const visible = () => {
      if (document.visibilityState === 'visible') hub.reconnectNow();
    };
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    document.addEventListener('visibilitychange', visible);
    hub.start();
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
      document.removeEventListener('visibilitychange', visible);
      unwatch();
      hub.stop();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return (
    info ?? {
      status: 'connecting',
      attempt: 0,
      retryAt: null,
      lastSeq: null,
      caughtUp: null,
      serverOffsetMs: 0,
      closeCode: null,
      refused: {},
    }
  );
}
