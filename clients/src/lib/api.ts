// REST client for `/api/v1`: the envelope `{"success","message","data"}` /
// `{"success":false,"message","error":{"code","details"}}` becomes data or an ApiError.

/**
 * Where the API is: same-origin `/api/v1` unless the build sets `VITE_API_URL` (an absolute
 * URL such as `https://api.example.id/api/v1` when the screens and the API are on two domains).
 */
export const API_BASE: string = ((import.meta.env?.VITE_API_URL as string | undefined) ?? '/api/v1').replace(/\/$/, '');

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: unknown = null,
  ) {
    super(message);
  }
  /** The request may not have reached the server, or the server could not answer: safe to retry the same request. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.code === 'request_in_progress';
  }
}

export interface RequestOptions {
  body?: unknown;
  /** A body already serialized (a retried order must be byte-identical). */
  rawBody?: string;
  headers?: Record<string, string>;
  token?: string | null;
  signal?: AbortSignal;
}

let tokenSource: () => string | null = () => null;
let onUnauthorized: () => void = () => {};

export function configureApi(opts: { token: () => string | null; unauthorized: () => void }): void {
  tokenSource = opts.token;
  onUnauthorized = opts.unauthorized;
}

export async function api<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
  const token = o.token === undefined ? tokenSource() : o.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined = o.rawBody;
  if (body === undefined && o.body !== undefined) body = JSON.stringify(o.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, { method, headers, body, signal: o.signal });
  } catch (e) {
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : 'network error');
  }
  let env: {
    success?: boolean;
    message?: string;
    data?: T;
    error?: { code?: string; details?: unknown };
  } | null = null;
  try {
    env = await res.json();
  } catch {
    env = null;
  }
  if (res.ok && env?.success !== false) return env?.data as T;
  const code = env?.error?.code ?? (res.status >= 500 ? 'server_error' : 'http_' + res.status);
  const err = new ApiError(res.status, code, env?.message ?? res.statusText, env?.error?.details ?? null);
  if (res.status === 401 && token && path !== '/auth/login') onUnauthorized();
  throw err;
}

/** A random key for `Idempotency-Key` (crypto.randomUUID needs a secure context; LAN http has none). */
export function newKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      /* insecure context */
    }
  }
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface PendingSend {
  key: string;
  method: string;
  path: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * A write that may be retried: the key and the serialized body are fixed once, so every retry
 * is the same request and the server answers a retried `POST /orders` with the first order
 * (`idempotent-replayed: true`) instead of making a second one.
 */
export function prepareSend(method: string, path: string, body: unknown, headers: Record<string, string> = {}): PendingSend {
  const key = newKey();
  return {
    key,
    method,
    path,
    body: JSON.stringify(body),
    headers: { ...headers, 'Idempotency-Key': key },
  };
}

export async function sendWithRetry<T>(
  p: PendingSend,
  opts: { attempts?: number; delayMs?: (n: number) => number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 3;
  const delay = opts.delayMs ?? ((n) => 400 * 2 ** n);
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 0; ; n++) {
    try {
      return await api<T>(p.method, p.path, { rawBody: p.body, headers: p.headers });
    } catch (e) {
      if (!(e instanceof ApiError) || !e.retryable || n + 1 >= attempts) throw e;
      await sleep(delay(n));
    }
  }
}

/** The largest upload the server takes (`MAX_UPLOAD_MB`, default 5): checked before sending. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** `multipart/form-data` with the file in the field `image` (product photos, the QRIS image). */
export async function apiUpload<T>(path: string, file: Blob, name = 'image.png'): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = tokenSource();
  if (token) headers.Authorization = `Bearer ${token}`;
  const fd = new FormData();
  fd.append('image', file, name);
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, { method: 'POST', headers, body: fd });
  } catch (e) {
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : 'network error');
  }
  let env: { success?: boolean; message?: string; data?: T; error?: { code?: string; details?: unknown } } | null = null;
  try {
    env = await res.json();
  } catch {
    env = null;
  }
  if (res.ok && env?.success !== false) return env?.data as T;
  const code = env?.error?.code ?? (res.status === 413 ? 'payload_too_large' : res.status >= 500 ? 'server_error' : 'http_' + res.status);
  if (res.status === 401 && token) onUnauthorized();
  throw new ApiError(res.status, code, env?.message ?? res.statusText, env?.error?.details ?? null);
}

/** The field a `validation_failed` answer names (`details.field`), if any. */
export function errorField(e: unknown): string | null {
  if (!(e instanceof ApiError)) return null;
  const d = e.details as { field?: unknown } | null;
  return d && typeof d.field === 'string' ? d.field : null;
}
