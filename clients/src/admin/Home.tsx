// The back office's landing (linked from the floor): one tile per page.

import { t, useLang } from '../lib/i18n';
import { session } from '../lib/session';
import { useStore } from '../lib/store';
import { AdminPage, Link, adminPages } from './common';

export function AdminHome() {
  useLang();
  const role = useStore(session)?.user.role;
  return (
    <AdminPage title={t('aBackOffice')} testid="admin-home">
      <ul class="tiles">
        {role &&
          adminPages(role).map((x) => (
            <li key={x.path}>
              <Link to={x.path} class="tile" data-testid={`tile-${x.path.split('/').pop()}`}>
                {t(x.label)}
              </Link>
            </li>
          ))}
      </ul>
    </AdminPage>
  );
}
