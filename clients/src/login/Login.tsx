import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api';
import { t, useLang } from '../lib/i18n';
import { navigate } from '../lib/router';
import { landing, login, loggedOutReason } from '../lib/session';
import { useStore } from '../lib/store';
import { LangSwitch } from '../ui/common';

export function Login() {
  useLang();
  const reason = useStore(loggedOutReason);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError(t('fillBoth'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const s = await login(username.trim(), password);
      const next = new URLSearchParams(location.search).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : landing(s.user.role), true);
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status === 401) setError(t('wrongPassword'));
        else if (err.status === 403) setError(t('accountDisabled'));
        else if (err.status === 429) {
          const s = (err.details as { retry_after?: number } | null)?.retry_after ?? 10;
          setError(t('tooManyAttempts', { s }));
        } else if (err.status === 0) setError(t('cannotReach'));
        else setError(err.message);
      } else setError(t('cannotReach'));
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <div class="login-lang">
        <LangSwitch />
      </div>
      <form class="login-card" onSubmit={submit} noValidate>
        <img src="/icons/icon-192.png" alt="" width="72" height="72" class="login-logo" />
        <h1>Kenangan</h1>
        <p class="muted">{t('loginLead')}</p>
        {reason === 'expired' && !error && (
          <p class="info" role="status">
            {t('sessionExpired')}
          </p>
        )}
        <label class="field">
          {t('username')}
          <input name="username" autocomplete="username" autocapitalize="none" spellcheck={false} value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          {t('password')}
          <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-big btn-primary" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
      </form>
    </main>
  );
}
