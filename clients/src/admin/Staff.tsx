// Staff (admin): create users with a role, deactivate / reactivate, change the role, reset a
// password. The last active admin cannot be deactivated: the server's 409 is shown on that row.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { checkEmail, checkPassword, USERNAME_RE } from '../lib/forms';
import { t, useLang, type Key } from '../lib/i18n';
import { session } from '../lib/session';
import { useStore } from '../lib/store';
import type { Role, User } from '../lib/types';
import { AdminPage, Field, FormError, InlineText, serverMessage, splitServerError, tk } from './common';

const ROLES: Role[] = ['admin', 'manager', 'cashier', 'waiter', 'kitchen', 'bar'];
const val = (e: Event) => (e.target as HTMLInputElement).value;

export function StaffAdmin() {
  useLang();
  const me = useStore(session)?.user;
  const [users, setUsers] = useState<User[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [rowMsg, setRowMsg] = useState<Record<number, { text: string; ok?: boolean }>>({});
  const [resetFor, setResetFor] = useState<number | null>(null);
  const [resetPw, setResetPw] = useState('');
  const load = () =>
    api<User[]>('GET', '/admin/users')
      .then((u) => {
        setUsers(u);
        setLoadError(null);
      })
      .catch((e) => setLoadError(serverMessage(e)));
  useEffect(() => void load(), []);

  const patch = async (u: User, body: Record<string, unknown>, done?: Key) => {
    try {
      const nu = await api<User>('PATCH', `/admin/users/${u.id}`, { body });
      setUsers((us) => us.map((x) => (x.id === nu.id ? nu : x)));
      setRowMsg((m) => ({ ...m, [u.id]: done ? { text: t(done), ok: true } : { text: '' } }));
      return true;
    } catch (x) {
      const code = (x as { code?: string }).code;
      setRowMsg((m) => ({ ...m, [u.id]: { text: code === 'last_admin' ? t('aLastAdmin') : serverMessage(x) } }));
      // The row shows the user as the server has them (a refused role change goes back).
      setUsers((us) => us.map((y) => (y.id === u.id ? { ...y } : y)));
      void load();
      return false;
    }
  };

  // Inline edits show the server's refusal beside the field, so this one throws it.
  const patchOrThrow = async (u: User, body: Record<string, unknown>) => {
    const nu = await api<User>('PATCH', `/admin/users/${u.id}`, { body });
    setUsers((us) => us.map((x) => (x.id === nu.id ? nu : x)));
  };

  return (
    <AdminPage title={t('aStaff')} testid="admin-staff">
      <FormError msg={loadError} />
      <NewUserForm onCreated={(u) => setUsers((us) => [...us, u])} />
      <section class="panel">
        <h2>{t('aUsers')}</h2>
        <table class="grid" data-testid="user-list">
          <thead>
            <tr>
              <th>{t('username')}</th>
              <th>{t('aFullName')}</th>
              <th>{t('aRole')}</th>
              <th>{t('aActive')}</th>
              <th>
                <span class="sr-only">{t('aEdit')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid="user-row" data-username={u.username} data-active={String(u.is_active !== false)} class={u.is_active === false ? 'inactive' : ''}>
                <td>
                  <code>{u.username}</code>
                  {u.id === me?.id && <span class="badge">{t('aYou')}</span>}
                </td>
                <td>
                  <InlineText value={u.full_name} max={100} label={t('aFullName')} testid="edit-full-name" save={async (full_name) => { await patchOrThrow(u, { full_name }); }} />
                  <InlineText value={u.email ?? ''} max={200} label={t('aEmail')} testid="edit-email" placeholder={t('aEmail')} optional check={checkEmail} save={async (email) => { await patchOrThrow(u, { email: email || null }); }} />
                </td>
                <td>
                  <select aria-label={t('aRole')} value={u.role} onChange={(e) => void patch(u, { role: val(e) }, 'aSaved')}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`role_${r}` as Key)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <button type="button" class={`btn ${u.is_active === false ? 'btn-warn' : ''}`} data-testid="toggle-active" onClick={() => void patch(u, { is_active: u.is_active === false })}>
                    {u.is_active === false ? t('aReactivate') : t('aDeactivate')}
                  </button>
                </td>
                <td>
                  {resetFor === u.id ? (
                    <form
                      class="form-inline"
                      noValidate
                      onSubmit={async (e) => {
                        e.preventDefault();
                        const er = checkPassword(resetPw);
                        if (er) return setRowMsg((m) => ({ ...m, [u.id]: { text: t(er) } }));
                        if (await patch(u, { password: resetPw }, 'aPasswordReset')) {
                          setResetFor(null);
                          setResetPw('');
                        }
                      }}
                    >
                      <input type="password" autoComplete="new-password" aria-label={t('aNewPassword')} value={resetPw} onInput={(e) => setResetPw(val(e))} data-testid="reset-password" />
                      <button class="btn">{t('save')}</button>
                      <button type="button" class="btn btn-ghost" onClick={() => setResetFor(null)}>{t('cancel')}</button>
                    </form>
                  ) : (
                    <button type="button" class="btn btn-ghost" onClick={() => { setResetFor(u.id); setResetPw(''); }}>
                      {t('aResetPassword')}
                    </button>
                  )}
                  {rowMsg[u.id]?.text && (
                    <div class={rowMsg[u.id].ok ? 'ok-text' : 'field-error'} role="alert" data-testid="row-msg">
                      {rowMsg[u.id].text}
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </AdminPage>
  );
}

function NewUserForm({ onCreated }: { onCreated: (u: User) => void }) {
  const empty = { username: '', full_name: '', role: 'waiter', email: '', password: '' };
  const [f, setF] = useState(empty);
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  const [msg, setMsg] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const set = (k: keyof typeof empty) => (e: Event) => setF((x) => ({ ...x, [k]: val(e) }));
  const submit = async (e: Event) => {
    e.preventDefault();
    setMsg(null);
    setOk(null);
    const username = f.username.trim().toLowerCase();
    const er: Record<string, string | null> = {};
    if (!USERNAME_RE.test(username)) er.username = t('vUsername');
    if (!f.full_name.trim()) er.full_name = t('vRequired');
    else if (f.full_name.trim().length > 100) er.full_name = t('vTooLong');
    er.email = tk(checkEmail(f.email));
    er.password = tk(checkPassword(f.password));
    if (!ROLES.includes(f.role as Role)) er.role = t('vChoose');
    setErrors(er);
    if (Object.values(er).some(Boolean)) return;
    try {
      const body: Record<string, unknown> = { username, full_name: f.full_name.trim(), role: f.role, password: f.password };
      if (f.email.trim()) body.email = f.email.trim();
      const u = await api<User>('POST', '/admin/users', { body });
      onCreated(u);
      setF(empty);
      setOk(t('aUserCreated', { name: u.username }));
    } catch (x) {
      const s = splitServerError(x, ['username', 'full_name', 'email', 'password']);
      if (s.field) setErrors({ [s.field]: s.msg });
      else if ((x as { code?: string }).code === 'already_exists') setErrors({ username: s.msg });
      else setMsg(s.msg);
    }
  };
  return (
    <section class="panel">
      <h2>{t('aNewUser')}</h2>
      <form class="form-row" onSubmit={submit} noValidate data-testid="user-form">
        <Field label={t('username')} error={errors.username}>
          <input name="username" value={f.username} onInput={set('username')} autoComplete="off" maxLength={40} />
        </Field>
        <Field label={t('aFullName')} error={errors.full_name}>
          <input name="full_name" value={f.full_name} onInput={set('full_name')} maxLength={120} />
        </Field>
        <Field label={t('aRole')} error={errors.role}>
          <select name="role" value={f.role} onChange={set('role')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role_${r}` as Key)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('aEmail')} error={errors.email}>
          <input name="email" type="email" value={f.email} onInput={set('email')} maxLength={220} />
        </Field>
        <Field label={t('password')} error={errors.password}>
          <input name="password" type="password" autoComplete="new-password" value={f.password} onInput={set('password')} />
        </Field>
        <button class="btn btn-primary" data-testid="create-user">{t('aCreate')}</button>
      </form>
      <FormError msg={msg} />
      {ok && <p class="info" role="status" data-testid="user-created">{ok}</p>}
    </section>
  );
}
