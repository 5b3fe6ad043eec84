import { Store } from './store';

export const path = new Store<string>(typeof location === 'undefined' ? '/' : location.pathname);

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  path.set(location.pathname);
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => path.set(location.pathname));
}
