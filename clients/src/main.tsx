import { render } from 'preact';
import { useEffect } from 'preact/hooks';
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
import { Account } from './admin/Account';
import { AdminHome } from './admin/Home';
import { AuditAdmin } from './admin/Audit';
import { Dashboard } from './admin/Dashboard';
import { MenuAdmin } from './admin/Menu';
import { PaymentsAdmin } from './admin/Payments';
import { StaffAdmin } from './admin/Staff';
import { TablesAdmin, TablesPrint } from './admin/Tables';
import { Bill } from './cashier/Bill';
import type { Role } from './lib/types';

/** The back office and the cashier's bill: path → page, and who may open it. */
function officePage(p: string, role: Role) {
  const boss = role === 'admin' || role === 'manager';
  if (p === '/account') return <Account />;
  const bill = /^\/bill\/(\d{1,15})$/.exec(p);
  if (bill && (boss || role === 'cashier')) return <Bill key={bill[1]} orderId={Number(bill[1])} />;
  if (!boss) return null;
  switch (p) {
    case '/admin':
      return <AdminHome />;
    case '/admin/dashboard':
      return <Dashboard />;
    case '/admin/menu':
      return <MenuAdmin />;
    case '/admin/tables':
      return <TablesAdmin />;
    case '/admin/tables/print':
      return <TablesPrint />;
    case '/admin/payments':
      return <PaymentsAdmin />;
    case '/admin/staff':
      return role === 'admin' ? <StaffAdmin /> : null;
    case '/admin/audit':
      return <AuditAdmin />;
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
