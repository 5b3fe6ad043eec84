// My account: every user changes their own password here.

import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { checkPassword } from '../lib/forms';
import { t, useLang } from '../lib/i18n';
import { session } from '../lib/session';
import { useStore } from '../lib/store';
import { AdminPage, Field, FormError, splitServerError, tk } from './common';

const val = (e: Event) => (e.target as HTMLInputElement).value;

export function Account() {
  useLang();
  const me = useStore(session)?.user;
  const [cur, setCur] = useState('');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  const [msg, setMsg] = useState<string | null>(null);
  const [ok, setOk] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setOk(false);
    setMsg(null);
    const er: Record<string, string | null> = {
      current_password: cur ? null : t('vRequired'),
      password: tk(checkPassword(pw)),
      confirm: pw === pw2 ? null : t('vMismatch'),
    };
    setErrors(er);
    if (Object.values(er).some(Boolean)) return;
    try {
      await api('POST', '/auth/password', { body: { current_password: cur, new_password: pw } });
      setOk(true);
      setCur('');
      setPw('');
      setPw2('');
    } catch (x) {
      const s = splitServerError(x, ['current_password', 'password']);
      if (s.field) setErrors({ [s.field]: s.field === 'current_password' ? t('aWrongCurrent') : s.msg });
      else setMsg(s.msg);
    }
  };
  return (
    <AdminPage title={t('aAccount')} testid="account">
      <section class="panel narrow">
        <h2>{t('aChangePassword')}</h2>
        {me && (
          <p class="muted">
            {me.full_name} · <code>{me.username}</code> · {t(`role_${me.role}`)}
          </p>
        )}
        <form class="form-col" onSubmit={submit} noValidate data-testid="password-form">
          <Field label={t('aCurrentPassword')} error={errors.current_password}>
            <input type="password" name="current" autoComplete="current-password" value={cur} onInput={(e) => setCur(val(e))} />
          </Field>
          <Field label={t('aNewPassword')} error={errors.password}>
            <input type="password" name="new" autoComplete="new-password" value={pw} onInput={(e) => setPw(val(e))} />
          </Field>
          <Field label={t('aConfirmPassword')} error={errors.confirm}>
            <input type="password" name="confirm" autoComplete="new-password" value={pw2} onInput={(e) => setPw2(val(e))} />
          </Field>
          <FormError msg={msg} />
          {ok && <p class="info" role="status" data-testid="password-changed">{t('aPasswordChanged')}</p>}
          <button class="btn btn-primary">{t('save')}</button>
        </form>
      </section>
    </AdminPage>
  );
}
