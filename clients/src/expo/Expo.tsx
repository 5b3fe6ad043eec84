// Expo: every station's tickets; which are ready; mark them served.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { beep, enableSound, keepAwake, soundEnabled } from '../lib/device';
import { t, useLang } from '../lib/i18n';
import { useLive } from '../lib/live';
import { applyTicketEvent, boardFromSnapshot, cooking, emptyBoard, type TicketBoard } from '../lib/state';
import { Store, useNow, useStore } from '../lib/store';
import type { Ticket } from '../lib/types';
import { ConnectionBanner, Header, Toast } from '../ui/common';
import { Bell } from '../ui/icons';
import { TicketCard, ticketTitle } from '../kitchen/TicketCard';
import { errorText, loadThresholds, useStations } from '../kitchen/Kds';

export function Expo() {
  useLang();
  const board = useMemo(() => new Store<TicketBoard>(emptyBoard()), []);
  const b = useStore(board);
  const sound = useStore(soundEnabled);
  const stations = useStations();
  const [busy, setBusy] = useState<Record<number, boolean>>({});
  const [toast, setToast] = useState<string | null>(null);
  const th = useMemo(loadThresholds, []);

  useEffect(() => {
    document.title = 'Expo — Kenangan';
    api<Ticket[]>('GET', '/tickets')
      .then((ts) => {
        if (board.get().seq === null) board.set({ ...boardFromSnapshot({ tickets: ts }, 0), seq: null });
      })
      .catch(() => {});
    return keepAwake();
  }, []);

  const conn = useLive(['expo'], {
    snapshot: (_t, state, seq) => board.set(boardFromSnapshot(state, seq)),
    event: (e) => {
      const prev = board.get();
      const next = applyTicketEvent(prev, e);
      board.set(next);
      if (next !== prev && e.kind === 'ticket.ready') beep('ready');
    },
  });
  const now = useNow(1000) + conn.serverOffsetMs;
  const ready = b.open.filter((x) => x.status === 'ready');
  const inKitchen = cooking(b);

  async function serve(tk: Ticket) {
    setBusy((x) => ({ ...x, [tk.id]: true }));
    try {
      await api('POST', `/tickets/${tk.id}/serve`);
    } catch (e) {
      setToast(`${ticketTitle(tk)}: ${errorText(e)}`);
    } finally {
      setBusy((x) => ({ ...x, [tk.id]: false }));
    }
  }

  return (
    <div class="kds expo" data-testid="expo">
      <Header title={t('screenExpo')} stations={stations}>
        {!sound && (
          <button type="button" class="btn btn-warn" onClick={enableSound}>
            <Bell /> {t('kdsEnableSound')}
          </button>
        )}
      </Header>
      <ConnectionBanner info={conn} />
      <div class="expo-body">
        <section class="expo-col" aria-labelledby="ready-h">
          <h2 id="ready-h">
            {t('expoReady')} <span class="pill">{ready.length}</span>
          </h2>
          <div class="rail" data-testid="expo-ready">
            {ready.length === 0 && <p class="empty">{t('expoEmpty')}</p>}
            {ready.map((tk) => (
              <TicketCard key={tk.id} ticket={tk} nowMs={now} thresholds={th} showStation busy={busy[tk.id]} actions={{ serve }} />
            ))}
          </div>
        </section>
        <section class="expo-col" aria-labelledby="cooking-h">
          <h2 id="cooking-h">
            {t('expoCooking')} <span class="pill">{inKitchen.length}</span>
          </h2>
          <div class="rail" data-testid="expo-cooking">
            {inKitchen.map((tk) => (
              <TicketCard key={tk.id} ticket={tk} nowMs={now} thresholds={th} showStation actions={{}} />
            ))}
          </div>
        </section>
      </div>
      <Toast msg={toast} onClose={() => setToast(null)} />
    </div>
  );
}
