import { t } from '../lib/i18n';
import { ageLevel, ageMs, formatAge, type Thresholds } from '../lib/state';
import type { Item, Ticket } from '../lib/types';

export function ticketTitle(tk: Ticket): string {
  return tk.table_label ?? t('kdsTakeaway', { n: tk.order_id });
}

export interface CardActions {
  start?(tk: Ticket): void;
  bump?(tk: Ticket): void;
  rush?(tk: Ticket): void;
  itemDone?(tk: Ticket, it: Item): void;
  serve?(tk: Ticket): void;
}

export function TicketCard(p: {
  ticket: Ticket;
  nowMs: number;
  thresholds: Thresholds;
  index?: number;
  selected?: boolean;
  flash?: boolean;
  busy?: boolean;
  showStation?: boolean;
  actions: CardActions;
  onSelect?(): void;
}) {
  const tk = p.ticket;
  const age = ageMs(tk.fired_at, p.nowMs);
  const level = tk.status === 'ready' ? 'done' : ageLevel(age, p.thresholds);
  const live = tk.status === 'fired' || tk.status === 'started';
  const cls = ['card', `age-${level}`, `st-${tk.status}`, p.selected ? 'selected' : '', p.flash ? 'flash' : '', tk.rush ? 'rush' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <article
      class={cls}
      data-testid="ticket"
      data-ticket={tk.id}
      data-table={tk.table_label ?? ''}
      data-status={tk.status}
      aria-label={`${ticketTitle(tk)} ${formatAge(age)}`}
      onClick={p.onSelect}
    >
      <header class="card-head">
        <div class="card-title">
          {p.index !== undefined && p.index < 9 && <span class="card-key" aria-hidden="true">{p.index + 1}</span>}
          <span class="card-table">{ticketTitle(tk)}</span>
          {p.showStation && <span class="badge">{tk.station}</span>}
          {tk.rush && <span class="badge badge-rush">{t('kdsRushBadge')}</span>}
        </div>
        <div class="card-timer" data-testid="age" data-level={level}>
          {formatAge(age)}
        </div>
        <div class="card-meta">
          <span>{tk.waiter_name}</span>
          {tk.covers > 0 && <span>{t('kdsCovers', { n: tk.covers })}</span>}
          <span>{t('kdsCourse', { n: tk.course })}</span>
          {tk.status === 'started' && <span class="badge">{t('kdsStarted')}</span>}
          {tk.status === 'ready' && <span class="badge badge-ok">{t('kdsReady')}</span>}
          {tk.recall_count > 0 && <span class="badge badge-warn">{t('kdsRecalled', { n: tk.recall_count })}</span>}
        </div>
      </header>
      <ul class="items">
        {tk.items.map((it) => {
          const voided = it.status === 'voided';
          const done = it.status === 'ready' || it.status === 'served';
          const canDone = live && it.status === 'fired' && !!p.actions.itemDone;
          return (
            <li key={it.id} class={`item ${voided ? 'item-void' : ''} ${done ? 'item-done' : ''} ${it.added_late ? 'item-late' : ''}`} data-testid="item">
              <button
                type="button"
                class="item-btn"
                disabled={!canDone || p.busy}
                onClick={(e) => {
                  e.stopPropagation();
                  p.actions.itemDone?.(tk, it);
                }}
                aria-label={canDone ? `${t('kdsItemDone')}: ${it.quantity} × ${it.name}` : undefined}
              >
                <span class="qty">{it.quantity}×</span>
                <span class="item-name">{it.name}</span>
                {done && <span class="tick" aria-hidden="true">✓</span>}
                {it.added_late && !voided && <span class="badge badge-warn">{t('kdsAdded')}</span>}
                {voided && <span class="badge badge-bad">{t('kdsVoid')}</span>}
              </button>
              {it.modifiers.length > 0 && <div class="mods">{it.modifiers.join(' · ')}</div>}
              {it.notes && <div class="notes">“{it.notes}”</div>}
              {it.allergens.length > 0 && (
                <div class="allergens">
                  <span class="sr-only">{t('kdsAllergens')}: </span>⚠ {it.allergens.join(', ')}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {(live || tk.status === 'ready') && (p.actions.start || p.actions.bump || p.actions.rush || p.actions.serve) && (
      <footer class="card-actions">
        {tk.status === 'fired' && p.actions.start && (
          <button type="button" class="btn btn-big" disabled={p.busy} onClick={(e) => (e.stopPropagation(), p.actions.start!(tk))}>
            {t('kdsStart')}
          </button>
        )}
        {live && p.actions.bump && (
          <button type="button" class="btn btn-big btn-primary" data-testid="bump" disabled={p.busy} onClick={(e) => (e.stopPropagation(), p.actions.bump!(tk))}>
            {t('kdsBump')}
          </button>
        )}
        {live && p.actions.rush && (
          <button type="button" class="btn btn-big btn-ghost" disabled={p.busy} onClick={(e) => (e.stopPropagation(), p.actions.rush!(tk))}>
            {tk.rush ? t('kdsUnrush') : t('kdsRush')}
          </button>
        )}
        {tk.status === 'ready' && p.actions.serve && (
          <button type="button" class="btn btn-big btn-primary" data-testid="serve" disabled={p.busy} onClick={(e) => (e.stopPropagation(), p.actions.serve!(tk))}>
            {t('expoServe')}
          </button>
        )}
      </footer>
      )}
    </article>
  );
}
