import { describe, expect, it } from 'vitest';
import { changeFor, checkEmail, checkPassword, checkProduct, parseIntIn, parseList, parsePercent, parseRupiah } from '../src/lib/forms';
import { quickCash } from '../src/cashier/Bill';

describe('back-office input checks', () => {
  it('reads rupiah as people type it', () => {
    expect(parseRupiah('125000')).toBe(125000);
    expect(parseRupiah('125.000')).toBe(125000);
    expect(parseRupiah('Rp 1.250.000')).toBe(1250000);
    expect(parseRupiah('12.50')).toBeNull();
    expect(parseRupiah('abc')).toBeNull();
    expect(parseRupiah('-5')).toBeNull();
    expect(parseRupiah('')).toBeNull();
    expect(parseRupiah('9'.repeat(40))).toBeNull();
  });
  it('bounded integers and percentages', () => {
    expect(parseIntIn('4', 1, 100)).toBe(4);
    expect(parseIntIn('0', 1, 100)).toBeNull();
    expect(parseIntIn('4.5', 1, 100)).toBeNull();
    expect(parsePercent('11,5')).toBe(11.5);
    expect(parsePercent('150')).toBeNull();
    expect(parsePercent('-1')).toBeNull();
  });
  it('lists, passwords, emails', () => {
    expect(parseList(' dairy, nuts,, dairy ')).toEqual(['dairy', 'nuts']);
    expect(checkPassword('12345')).toBe('vPasswordShort');
    expect(checkPassword('123456')).toBeNull();
    expect(checkEmail('')).toBeNull();
    expect(checkEmail('a@b')).toBeNull();
    expect(checkEmail('nope')).toBe('vEmail');
  });
  it('a product form becomes a request body or field errors, never a throw', () => {
    const ok = checkProduct({ name: ' Es Teh ', description: '', price: '8.000', category_id: '3', station_id: '', prep_minutes: '', allergens: '', modifiers: 'less sugar' });
    expect(ok.body).toEqual({ category_id: 3, name: 'Es Teh', description: '', price: 8000, allergens: [], modifiers: ['less sugar'] });
    const bad = checkProduct({ name: '', description: 'x'.repeat(501), price: '1e3', category_id: '', station_id: 'x', prep_minutes: '999', allergens: Array.from({ length: 31 }, (_, i) => 'a' + i).join(','), modifiers: 'y'.repeat(61) });
    expect(bad.body).toBeNull();
    expect(Object.keys(bad.errors).sort()).toEqual(['allergens', 'category_id', 'description', 'modifiers', 'name', 'prep_minutes', 'price']);
  });
  it('cash change and quick amounts', () => {
    expect(changeFor(198135, '200.000')).toBe(1865);
    expect(changeFor(198135, '100000')).toBeNull();
    expect(quickCash(198135)).toEqual([198135, 200000]);
  });
});
