import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { t, setLang, useLang, type Key } from '../lib/i18n';
import type { ConnInfo } from '../lib/protocol';
import { navigate } from '../lib/router';
import { logout, screensFor, session } from '../lib/session';
import { useNow, useStore } from '../lib/store';

/** How long "caught up after replaying N" stays on screen after a resume. */
const CAUGHT_UP_SHOW_MS = 30_000;
/** Warn this long before the login token expires (the hub then closes with 4001). */
const EXPIRY_WARN_MS = 30 * 60_000;

/** Connection honesty: live / reconnecting (with the next try) / caught up after N. */
export function ConnectionBanner({ info }: { info: ConnInfo }) {
  useLang();
  const now = useNow(1000);
  const { status } = info;
  let cls = 'conn';
  let text = '';
  let detail = '';
  if (status === 'live') {
    const c = info.caughtUp;
    if (c && now - c.at < CAUGHT_UP_SHOW_MS) {
      cls += ' conn-caught';
      text = c.snapshot ? t('connReloaded') : c.replayed > 0 ? t('connCaughtUp', { n: c.replayed }) : t('connCaughtUpNone');
    } else {
      cls += ' conn-live';
      text = t('connLive');
    }
  } else if (status === 'connecting') {
    cls += ' conn-wait';
    text = t('connConnecting');
  } else if (status === 'reconnecting') {
    cls += ' conn-bad';
    text = t('connReconnecting');
    const secs = info.retryAt ? Math.max(0, Math.ceil((info.retryAt - now) / 1000)) : 0;
    detail = (secs > 0 ? t('connRetryIn', { s: secs, n: info.attempt }) : t('connRetryNow', { n: info.attempt })) + ' · ' + t('connStaleWarning');
  } else if (status === 'offline') {
    cls += ' conn-bad';
    text = t('connOffline');
    detail = t('connStaleWarning');
  } else if (status === 'unauthorized') {
    cls += ' conn-bad';
    text = t('connUnauthorized');
  }
  const refused = Object.keys(info.refused);
  const s = session.get();
  const left = s ? Date.parse(s.expires_at) - now : Infinity;
  return (
    <>
    <div
      class={cls}
      role="status"
      aria-live="polite"
      data-testid="conn"
      data-status={status}
      data-replayed={info.caughtUp?.replayed ?? ''}
      data-seq={info.lastSeq ?? ''}
    >
      <span class="conn-dot" aria-hidden="true" />
      <span class="conn-text">{text}</span>
      {detail && <span class="conn-detail">{detail}</span>}
      {refused.length > 0 && <span class="conn-detail">{t('connRefused', { topics: refused.join(', ') })}</span>}
    </div>
    {left < EXPIRY_WARN_MS && (
      <div class="conn conn-wait" role="alert" data-testid="expiring">
        <span class="conn-text">
          {t('sessionEnding', { time: new Date(Date.parse(s!.expires_at)).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) })}
        </span>
        <button type="button" class="btn btn-ghost" onClick={() => logout()}>
          {t('loginAgain')}
        </button>
      </div>
    )}
    </>
  );
}

export function LangSwitch() {
  const l = useLang();
  return (
    <button
      type="button"
      class="btn btn-ghost"
      lang={l === 'en' ? 'id' : 'en'}
      onClick={() => setLang(l === 'en' ? 'id' : 'en')}
      data-testid="lang"
    >
      {l === 'en' ? 'ID' : 'EN'}
      <span class="sr-only"> — {t('switchLang')}</span>
    </button>
  );
}

export function ScreenMenu({ stations }: { stations: string[] }) {
  useLang();
  const s = useStore(session);
  if (!s) return null;
  const screens = screensFor(s.user.role, stations);
  if (screens.length < 2) return null;
  const current = location.pathname;
  return (
    <label class="screen-menu">
      <span class="sr-only">{t('screens')}</span>
      <select value={current} onChange={(e) => navigate((e.target as HTMLSelectElement).value)}>
        {!screens.some((x) => x.path === current) && (
          <option value={current} disabled>
            {t('screens')}
          </option>
        )}
        {screens.map((x) => (
          <option key={x.path} value={x.path}>
            {x.label === 'kds' ? t('screenKds', { station: cap(x.station ?? '') }) : t(('screen' + cap(x.label)) as Key)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function Header({ title, stations = [], children }: { title: string; stations?: string[]; children?: ComponentChildren }) {
  useLang();
  const s = useStore(session);
  return (
    <header class="top">
      <h1 class="top-title">
        <span class="brand">Kenangan</span> <span class="top-screen">{title}</span>
      </h1>
      <div class="top-actions">
        {children}
        <ScreenMenu stations={stations} />
        <LangSwitch />
        {s && (
          <button type="button" class="btn btn-ghost" onClick={() => logout()} data-testid="logout" title={s.user.full_name}>
            {t('logout')}
          </button>
        )}
      </div>
    </header>
  );
}

/** A short message at the top (never over the buttons at the bottom); it goes by itself. */
export function Toast({ msg, onClose, ms = 6000 }: { msg: string | null; onClose: () => void; ms?: number }) {
  useEffect(() => {
    if (!msg) return;
    const h = setTimeout(onClose, ms);
    return () => clearTimeout(h);
  }, [msg]);
  if (!msg) return null;
  return (
    <div class="toast" role="alert" data-testid="toast">
      <span>{msg}</span>
      <button type="button" class="btn btn-ghost" onClick={onClose}>
        {t('close')}
      </button>
    </div>
  );
}
