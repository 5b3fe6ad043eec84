// Sound, vibration and the wake lock: what a kitchen tablet and a waiter's phone need.

import { Store } from './store';

export const soundEnabled = new Store<boolean>(false);
let ctx: AudioContext | null = null;

/** Must run inside a tap (autoplay rules): unlocks audio for the rest of the session. */
export function enableSound(): void {
  try {
    const AC = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!AC) return;
    ctx = ctx ?? new AC();
    void ctx.resume().then(() => soundEnabled.set(ctx?.state === 'running'));
    soundEnabled.set(true);
    beep('new');
  } catch {
    soundEnabled.set(false);
  }
}

/** A short chime: two rising notes for a new ticket, one for a change, three for "ready". */
export function beep(kind: 'new' | 'change' | 'ready'): void {
  if (!ctx || !soundEnabled.get()) return;
  const notes = kind === 'new' ? [660, 880] : kind === 'ready' ? [784, 988, 1175] : [520];
  const t0 = ctx.currentTime;
  notes.forEach((f, i) => {
    const o = ctx!.createOscillator();
    const g = ctx!.createGain();
    o.type = 'sine';
    o.frequency.value = f;
    const s = t0 + i * 0.16;
    g.gain.setValueAtTime(0.0001, s);
    g.gain.exponentialRampToValueAtTime(0.4, s + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, s + 0.15);
    o.connect(g).connect(ctx!.destination);
    o.start(s);
    o.stop(s + 0.16);
  });
}

export function vibrate(pattern: number[]): void {
  try {
    navigator.vibrate?.(pattern);
  } catch {
    /* not supported */
  }
}

export const wakeLockHeld = new Store<boolean | null>(null);

/** Keeps the screen on while this screen is shown; re-acquired when the tab comes back. */
export function keepAwake(): () => void {
  let sentinel: { release(): Promise<void> } | null = null;
  let stopped = false;
  const wl = (navigator as unknown as { wakeLock?: { request(t: 'screen'): Promise<{ release(): Promise<void>; addEventListener(e: string, f: () => void): void }> } }).wakeLock;
  const acquire = async () => {
    if (!wl || stopped || document.visibilityState !== 'visible') {
      if (!wl) wakeLockHeld.set(false);
      return;
    }
    try {
      const s = await wl.request('screen');
      sentinel = s;
      wakeLockHeld.set(true);
      s.addEventListener('release', () => wakeLockHeld.set(false));
    } catch {
      wakeLockHeld.set(false);
    }
  };
  const onVis = () => void acquire();
  document.addEventListener('visibilitychange', onVis);
  void acquire();
  return () => {
    stopped = true;
    document.removeEventListener('visibilitychange', onVis);
    void sentinel?.release().catch(() => {});
  };
}
