import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { Expo } from './expo/Expo';
import { Floor } from './floor/Floor';
import { Kds } from './kitchen/Kds';
import { lang } from './lib/i18n';
import { navigate, path } from './lib/router';
import { landing, screensFor, session } from './lib/session';
import { useStore } from './lib/store';
import { Login } from './login/Login';
import { Waiter } from './waiter/Waiter';
import type { Role } from './lib/types';
import { t } from './lib/i18n';

type Office = typeof import('./office');
let office: Office | null = null;
let officeLoad: Promise<Office> | null = null;

/** Renders a back-office page once its chunk is here (loaded on first use, then kept). */
function OfficeView({ render }: { render: (o: Office) => preact.JSX.Element | null }) {
  const [o, setO] = useState<Office | null>(office);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (o) return;
    officeLoad ??= import('./office');
    officeLoad
      .then((m) => {
        office = m;
        setO(m);
      })
      .catch(() => {
        officeLoad = null;
        setFailed(true);
      });
  }, []);
  if (o) return render(o);
  return <p class="hint" role="status">{failed ? t('cannotReach') : t('loading')}</p>;
}

/** The back office and the cashier's bill: path → page, and who may open it. */
function officePage(p: string, role: Role) {
  const view = officeRoute(p, role);
  return view ? <OfficeView key={p} render={view} /> : null;
}

function officeRoute(p: string, role: Role): ((o: Office) => preact.JSX.Element) | null {
  const boss = role === 'admin' || role === 'manager';
  if (p === '/account') return (o) => <o.Account />;
  const bill = /^\/bill\/(\d{1,15})$/.exec(p);
  if (bill && (boss || role === 'cashier')) return (o) => <o.Bill key={bill[1]} orderId={Number(bill[1])} />;
  if (!boss) return null;
  switch (p) {
    case '/admin':
      return (o) => <o.AdminHome />;
    case '/admin/dashboard':
      return (o) => <o.Dashboard />;
    case '/admin/menu':
      return (o) => <o.MenuAdmin />;
    case '/admin/tables':
      return (o) => <o.TablesAdmin />;
    case '/admin/tables/print':
      return (o) => <o.TablesPrint />;
    case '/admin/payments':
      return (o) => <o.PaymentsAdmin />;
    case '/admin/staff':
      return role === 'admin' ? (o) => <o.StaffAdmin /> : null;
    case '/admin/audit':
      return (o) => <o.AuditAdmin />;
  }
  return null;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function App() {
  const s = useStore(session);
  const p = useStore(path);
  if (!s) {
    if (p === '/login') return <Login />;
    const next = p === '/' ? '' : `?next=${encodeURIComponent(p + location.search)}`;
    return <Redirect to={`/login${next}`} />;
  }
  if (p === '/' || p === '/login') return <Redirect to={landing(s.user.role)} />;
  const office = officePage(p.replace(/(.)\/$/, '$1'), s.user.role);
  if (office) return office;
  const kds = /^\/kds\/([a-z][a-z0-9_-]{0,31})\/?$/.exec(p);
  const allowed = screensFor(s.user.role, kds ? [kds[1]] : []).map((x) => x.path);
  const page = kds ? `/kds/${kds[1]}` : p.replace(/\/$/, '');
  if (!allowed.includes(page)) return <Redirect to={landing(s.user.role)} />;
  if (kds) return <Kds key={kds[1]} station={kds[1]} />;
  if (page === '/expo') return <Expo />;
  if (page === '/waiter') return <Waiter />;
  return <Floor />;
}

document.documentElement.lang = lang.get();
const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);


if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  });
}
