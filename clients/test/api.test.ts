import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, newKey, prepareSend, sendWithRetry } from '../src/lib/api';
import { dictionaries, translate } from '../src/lib/i18n';

type Call = { url: string; init: RequestInit };

function stubFetch(answers: Array<{ status: number; body?: unknown } | 'network'>) {
  const calls: Call[] = [];
  const f = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const a = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (a === 'network') throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify(a.body ?? {}), { status: a.status, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', f);
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('api envelope', () => {
  it('returns data on success and an ApiError with the stable code on failure', async () => {
    stubFetch([{ status: 200, body: { success: true, message: 'ok', data: { id: 7 } } }]);
    expect(await api('GET', '/orders/7')).toEqual({ id: 7 });
    stubFetch([{ status: 409, body: { success: false, message: 'Sirloin is 86', error: { code: 'product_unavailable', details: { product_ids: [3] } } } }]);
    const e = (await api('POST', '/orders', { body: {} }).catch((x) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 409, code: 'product_unavailable', message: 'Sirloin is 86', details: { product_ids: [3] } });
    expect(e.retryable).toBe(false);
  });
});

describe('sends that may be retried', () => {
  it('a retry after a lost answer repeats the same Idempotency-Key and the same bytes', async () => {
    const calls = stubFetch(['network', { status: 201, body: { success: true, message: 'Order created', data: { id: 42 } } }]);
    const p = prepareSend('POST', '/orders', { table_id: 3, items: [{ product_id: 1, quantity: 2 }] });
    const o = await sendWithRetry<{ id: number }>(p, { sleep: async () => {} });
    expect(o.id).toBe(42);
    expect(calls).toHaveLength(2);
    const h = calls.map((c) => (c.init.headers as Record<string, string>)['Idempotency-Key']);
    expect(h[0]).toBe(p.key);
    expect(h[1]).toBe(p.key);
    expect(calls[0].init.body).toBe(calls[1].init.body);
  });

  it('retries 5xx and request_in_progress, never a refusal, and gives up after the attempts', async () => {
    let calls = stubFetch([{ status: 409, body: { success: false, message: 'busy', error: { code: 'request_in_progress' } } }, { status: 201, body: { success: true, data: { id: 1 } } }]);
    await sendWithRetry(prepareSend('POST', '/orders', {}), { sleep: async () => {} });
    expect(calls).toHaveLength(2);
    calls = stubFetch([{ status: 422, body: { success: false, message: 'bad', error: { code: 'validation_failed' } } }]);
    await expect(sendWithRetry(prepareSend('POST', '/orders', {}), { sleep: async () => {} })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(calls).toHaveLength(1);
    calls = stubFetch([{ status: 503, body: { success: false, message: 'down', error: { code: 'database_unavailable' } } }]);
    await expect(sendWithRetry(prepareSend('POST', '/orders', {}), { attempts: 3, sleep: async () => {} })).rejects.toMatchObject({ status: 503 });
    expect(calls).toHaveLength(3);
  });

  it('every new send gets a new key', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newKey()));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('strings', () => {
  it('every string exists in English and Bahasa Indonesia, with the same placeholders', () => {
    const en = dictionaries.en;
    const id = dictionaries.id;
    expect(Object.keys(id).sort()).toEqual(Object.keys(en).sort());
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(id[k].length, k).toBeGreaterThan(0);
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph(id[k]), k).toEqual(ph(en[k]));
    }
  });
  it('fills placeholders', () => {
    expect(translate('en', 'wReady', { t: 'T7' })).toBe('T7 — ready');
    expect(translate('id', 'wReady', { t: 'T7' })).toBe('T7 — siap');
    expect(translate('en', 'connCaughtUp', { n: 2 })).toBe('Back online — caught up, 2 missed updates replayed');
  });
});
