// Pure input checks for the back office: every form validates here before it sends, so nothing a
// manager types reaches the server unchecked (and nothing typed can throw).

import type { Key } from './i18n';

export type Errors = Partial<Record<string, Key>>;

/** Whole rupiah from what a person types: `125000`, `125.000`, `Rp 125.000`. Null when unreadable. */
export function parseRupiah(input: string): number | null {
  const s = String(input ?? '').trim().replace(/^rp\.?\s*/i, '');
  if (!/^\d{1,3}([.\s]\d{3})*$|^\d+$/.test(s)) return null;
  const n = Number(s.replace(/[.\s]/g, ''));
  return Number.isSafeInteger(n) ? n : null;
}

/** An integer in [min, max] from a text field; null when empty or not one. */
export function parseIntIn(input: string, min: number, max: number): number | null {
  const s = String(input ?? '').trim();
  if (!/^-?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

/** A percentage 0–100 (a decimal comma is accepted: `11,5`). */
export function parsePercent(input: string): number | null {
  const s = String(input ?? '').trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  return n >= 0 && n <= 100 ? n : null;
}

/** A comma-separated list (allergens, modifiers): trimmed, empties dropped, duplicates removed. */
export function parseList(input: string): string[] {
  const out: string[] = [];
  for (const x of String(input ?? '').split(',')) {
    const v = x.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

export function listError(items: string[]): Key | null {
  if (items.length > 30) return 'vListTooLong';
  if (items.some((x) => x.length > 60)) return 'vListItemTooLong';
  return null;
}

export interface ProductForm {
  name: string;
  description: string;
  price: string;
  category_id: string;
  station_id: string;
  prep_minutes: string;
  allergens: string;
  modifiers: string;
}

export interface ProductBody {
  category_id: number;
  name: string;
  description: string;
  price: number;
  station_id?: number;
  prep_minutes?: number;
  allergens: string[];
  modifiers: string[];
}

export function checkProduct(f: ProductForm): { errors: Errors; body: ProductBody | null } {
  const errors: Errors = {};
  const name = f.name.trim();
  if (!name) errors.name = 'vRequired';
  else if (name.length > 100) errors.name = 'vTooLong';
  if (f.description.length > 500) errors.description = 'vTooLong';
  const price = parseRupiah(f.price);
  if (price === null) errors.price = 'vPrice';
  else if (price > 1_000_000_000) errors.price = 'vPriceMax';
  const category_id = parseIntIn(f.category_id, 1, 2 ** 31 - 1);
  if (category_id === null) errors.category_id = 'vChoose';
  let prep: number | undefined;
  if (f.prep_minutes.trim()) {
    const p = parseIntIn(f.prep_minutes, 0, 240);
    if (p === null) errors.prep_minutes = 'vPrep';
    else prep = p;
  }
  const allergens = parseList(f.allergens);
  const modifiers = parseList(f.modifiers);
  const ae = listError(allergens);
  if (ae) errors.allergens = ae;
  const me = listError(modifiers);
  if (me) errors.modifiers = me;
  const station = f.station_id ? parseIntIn(f.station_id, 1, 2 ** 31 - 1) : null;
  if (Object.keys(errors).length) return { errors, body: null };
  const body: ProductBody = { category_id: category_id!, name, description: f.description.trim(), price: price!, allergens, modifiers };
  if (station !== null) body.station_id = station;
  if (prep !== undefined) body.prep_minutes = prep;
  return { errors, body };
}

export const USERNAME_RE = /^[a-z0-9._-]{2,32}$/;
export const STATION_CODE_RE = /^[a-z][a-z0-9_-]{0,31}$/;

export function checkPassword(p: string): Key | null {
  if (p.length < 6) return 'vPasswordShort';
  if (p.length > 256) return 'vTooLong';
  return null;
}

export function checkEmail(e: string): Key | null {
  const s = e.trim();
  if (!s) return null;
  if (s.length > 200) return 'vTooLong';
  return /^[^@\s]+@[^@\s]+$/.test(s) ? null : 'vEmail';
}

/** Today in the browser's local time, `YYYY-MM-DD`. */
export function today(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function isDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s + 'T00:00:00Z'));
}

/** Change for cash: null when the tendered amount is unreadable or short. */
export function changeFor(total: number, tendered: string): number | null {
  const n = parseRupiah(tendered);
  if (n === null || n < total) return null;
  return n - total;
}
