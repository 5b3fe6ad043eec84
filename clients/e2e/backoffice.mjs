// Browser scenarios for the back office (issue 5) and the cashier: menu with a photo → the waiter's
// menu; 86 live; a new waiter user logs in; a paid order on the dashboard with its tax and service
// charge; a table's QR code downloads as a PNG that decodes to the table's link. Screenshots of
// every back-office page.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { PHONE, TABLET, api, login, newContext, openMenu, productId, screen, shot, watchErrors, live } from './scenarios.mjs';

const rp = (n) => new Intl.NumberFormat('id-ID', { style: 'currency', currency: 'IDR', minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(n).replace(/\s/g, ' ');
const rnd = () => Math.random().toString(36).slice(2, 6).toUpperCase();

/** A small PNG (a coloured gradient) made here: the "photo". */
function photo(w = 96, h = 72, tint = [245, 165, 36]) {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      png.data[i] = (tint[0] * x) / w;
      png.data[i + 1] = (tint[1] * y) / h;
      png.data[i + 2] = tint[2];
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}

/** A table made through the API (so each scenario has a free one of its own). */
async function newTable(base, token, label) {
  const r = await api(base, 'POST', '/tables', { token, body: { label, area: 'E2E', capacity: 4 } });
  assert.equal(r.status, 201, JSON.stringify(r.env));
  return r.data;
}

async function placeOrder(base, token, tableIdValue, items) {
  const r = await api(base, 'POST', '/orders', {
    token,
    body: { table_id: tableIdValue, covers: 2, items },
    headers: { 'Idempotency-Key': `e2e-bo-${Math.random()}` },
  });
  assert.equal(r.status, 201, JSON.stringify(r.env));
  return r.data;
}

export const backOffice = [
  {
    name: 'back office: a category and a product with a photo reach the waiter; 86 changes the menu live',
    async run(ctx) {
      const catName = `E2E Dessert ${rnd()}`;
      const prodName = `Es Kenangan ${rnd()}`;
      const mgr = await screen(ctx, 'manager', '/admin/menu', TABLET);
      const page = mgr.page;
      await page.locator('[data-testid=admin-menu]').waitFor();
      // Validation before sending: an empty category name is refused in place.
      const cform = page.locator('[data-testid=category-form]');
      await cform.locator('[data-testid=add-category]').click();
      await cform.locator('[data-testid=field-error]').first().waitFor();
      await cform.locator('input[name=name]').fill(catName);
      await cform.locator('select[name=station]').selectOption({ index: 1 });
      await cform.locator('input[name=order]').fill('5');
      await cform.locator('[data-testid=add-category]').click();
      await page.locator(`[data-testid=category-row][data-name="${catName}"]`).waitFor();

      await page.locator('[data-testid=new-product]').click();
      const ed = page.locator('[data-testid=product-editor]');
      await ed.locator('input[name=name]').fill(prodName);
      await ed.locator('input[name=price]').fill('abc');
      await ed.locator('[data-testid=save-product]').click();
      assert.match(await ed.locator('[data-testid=field-error]').first().textContent(), /whole rupiah/);
      await ed.locator('input[name=price]').fill('45.000');
      await ed.locator('select[name=category]').selectOption({ label: catName });
      await ed.locator('input[name=prep]').fill('7');
      await ed.locator('input[name=allergens]').fill('dairy, nuts');
      await ed.locator('input[name=modifiers]').fill('less sugar, no ice');
      await ed.locator('textarea[name=description]').fill('Shaved ice, palm sugar, coconut milk');
      await ed.locator('[data-testid=photo]').setInputFiles({ name: 'es.png', mimeType: 'image/png', buffer: photo() });
      await ed.locator('[data-testid=photo-preview]').waitFor();
      await ed.locator('[data-testid=save-product]').click();
      await ed.locator('[data-testid=saved]').waitFor();
      await ed.scrollIntoViewIfNeeded();
      await shot(ctx, page, 'admin-menu-product');
      const row = page.locator(`[data-testid=product-row][data-name="${prodName}"]`);
      await row.locator('img.thumb').waitFor();
      const p = (await api(ctx.base, 'GET', `/products?q=${encodeURIComponent(prodName)}`, { token: mgr.token })).data[0];
      assert.equal(p.price, 45000);
      assert.deepEqual(p.allergens, ['dairy', 'nuts']);
      assert.deepEqual(p.modifiers, ['less sugar', 'no ice']);
      assert.equal(p.prep_minutes, 7);
      assert.match(p.image_url ?? '', /^\/uploads\/products\//);
      const img = await fetch(ctx.base + p.image_url);
      assert.equal(img.status, 200);

      // Too big: said at once on the page, and the server's 413 message shown in place on save.
      const big = Buffer.alloc(6 * 1024 * 1024, 0);
      photo().copy(big);
      await ed.locator('[data-testid=photo]').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: big });
      assert.match(await ed.locator('[data-testid=field-error]').textContent(), /limit is 5 MB/);
      await ed.locator('[data-testid=save-product]').click();
      await page.waitForFunction(() => /server refused/i.test(document.querySelector('[data-testid=product-editor] [data-testid=field-error]')?.textContent ?? ''), null, { timeout: 15_000 });
      await shot(ctx, page, 'admin-menu-413');
      await ed.locator('button', { hasText: 'Close' }).click();
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(ctx, page, 'admin-menu');

      // The waiter sees it (with a table of their own), then it is 86'd: the menu changes without a reload.
      const tbl = await newTable(ctx.base, mgr.token, `M${rnd()}`);
      const w = await screen(ctx, 'waiter', '/waiter', PHONE);
      await live(w.page);
      await openMenu(w.page, tbl.label);
      const item = w.page.locator(`[data-testid=product][data-name="${prodName}"]`);
      await item.waitFor();
      assert.equal(await item.isDisabled(), false);
      await row.locator('[data-testid=toggle-86]').click();
      await page.locator(`[data-testid=product-row][data-name="${prodName}"][data-available=false]`).waitFor();
      await w.page.waitForFunction((n) => document.querySelector(`[data-testid=product][data-name="${n}"]`)?.disabled === true, prodName, { timeout: 15_000 });
      await shot(ctx, w.page, 'waiter-86-live');
      await row.locator('[data-testid=toggle-86]').click();
      await w.page.waitForFunction((n) => document.querySelector(`[data-testid=product][data-name="${n}"]`)?.disabled === false, prodName, { timeout: 15_000 });
      ctx.state.boProduct = prodName;
      // A category renamed in place (Enter saves).
      const name = page.locator(`[data-testid=category-row][data-name="${catName}"] .inline-name input`);
      await name.fill(`${catName} Baru`);
      await name.press('Enter');
      await page.locator(`[data-testid=category-row][data-name="${catName} Baru"]`).waitFor();
    },
  },
  {
    name: 'staff: an admin creates a waiter who logs in; the last admin is kept; a password change',
    async run(ctx) {
      const admin = await screen(ctx, 'admin', '/admin/staff', TABLET);
      const page = admin.page;
      await page.locator('[data-testid=user-list]').waitFor();
      const uname = `rina${rnd().toLowerCase()}`;
      const f = page.locator('[data-testid=user-form]');
      await f.locator('input[name=username]').fill('X');
      await f.locator('[data-testid=create-user]').click();
      await f.locator('[data-testid=field-error]').first().waitFor();
      await f.locator('input[name=username]').fill(uname);
      await f.locator('input[name=full_name]').fill('Rina Waiter');
      await f.locator('select[name=role]').selectOption('waiter');
      await f.locator('input[name=password]').fill('rina-pass-1');
      await f.locator('[data-testid=create-user]').click();
      const row = page.locator(`[data-testid=user-row][data-username=${uname}]`);
      await row.waitFor();
      // Name and email are edited in place: a bad email is refused beside the field, a good one saved.
      await row.locator('[data-testid=edit-full-name]').fill('Rina Pelayan');
      await row.locator('[data-testid=edit-full-name]').press('Enter');
      await row.locator('[data-testid=edit-email]').fill('not-an-email');
      await row.locator('[data-testid=edit-email]').press('Enter');
      await row.locator('.field-error').waitFor();
      await row.locator('[data-testid=edit-email]').fill('rina@steakkenangan.id');
      await row.locator('[data-testid=edit-email]').press('Enter');
      await row.locator('.field-error').waitFor({ state: 'detached' });
      const saved = (await api(ctx.base, 'GET', '/admin/users', { token: admin.token })).data.find((u) => u.username === uname);
      assert.equal(saved.full_name, 'Rina Pelayan');
      assert.equal(saved.email, 'rina@steakkenangan.id');
      // The email is optional: emptied in place, it is removed.
      await row.locator('[data-testid=edit-email]').fill('');
      await row.locator('[data-testid=edit-email]').press('Enter');
      await page.waitForFunction(
        async ([base, token, name]) => {
          const r = await fetch(`${base}/api/v1/admin/users`, { headers: { Authorization: `Bearer ${token}` } });
          return (await r.json()).data.find((u) => u.username === name).email === null;
        },
        [ctx.base, admin.token, uname],
        { timeout: 10_000 },
      );
      // The last admin cannot be deactivated: the server's refusal is shown on that row.
      const adminRow = page.locator('[data-testid=user-row][data-username=admin]');
      await adminRow.locator('[data-testid=toggle-active]').click();
      await adminRow.locator('[data-testid=row-msg]').waitFor();
      assert.match(await adminRow.locator('[data-testid=row-msg]').textContent(), /last active admin/);
      assert.equal(await adminRow.getAttribute('data-active'), 'true');
      await shot(ctx, page, 'admin-staff');

      // The new waiter logs in through the login page and lands on the waiter app.
      const c = await newContext(ctx, PHONE);
      const lp = await c.newPage();
      watchErrors(lp, uname);
      await lp.goto(ctx.base + '/login');
      await lp.locator('input[name=username]').fill(uname);
      await lp.locator('input[name=password]').fill('rina-pass-1');
      await lp.locator('button[type=submit]').click();
      await lp.waitForURL(/\/waiter/);
      await lp.locator('[data-testid=conn]').waitFor();
      // …and changes their own password.
      await lp.goto(ctx.base + '/account');
      const pf = lp.locator('[data-testid=password-form]');
      await pf.locator('input[name=current]').fill('wrong-one');
      await pf.locator('input[name=new]').fill('rina-pass-2');
      await pf.locator('input[name=confirm]').fill('rina-pass-2');
      await pf.locator('button').click();
      await pf.locator('[data-testid=field-error]').waitFor();
      await pf.locator('input[name=current]').fill('rina-pass-1');
      await pf.locator('button').click();
      await lp.locator('[data-testid=password-changed]').waitFor();
      await shot(ctx, lp, 'account-phone');
      const again = await api(ctx.base, 'POST', '/auth/login', { body: { username: uname, password: 'rina-pass-2' } });
      assert.equal(again.status, 200);
      // Deactivated: the login is refused.
      await row.locator('[data-testid=toggle-active]').click();
      await page.locator(`[data-testid=user-row][data-username=${uname}][data-active=false]`).waitFor();
      const off = await api(ctx.base, 'POST', '/auth/login', { body: { username: uname, password: 'rina-pass-2' } });
      assert.notEqual(off.status, 200);
    },
  },
  {
    name: 'tables: a table QR code downloads as a PNG that decodes to its link; printable sheet',
    async run(ctx) {
      const mgr = await screen(ctx, 'manager', '/admin/tables', TABLET);
      const page = mgr.page;
      const label = `Q${rnd()}`;
      const f = page.locator('[data-testid=table-form]');
      await f.locator('input[name=label]').fill(label);
      await f.locator('input[name=area]').fill('Teras');
      await f.locator('input[name=capacity]').fill('0');
      await f.locator('[data-testid=add-table]').click();
      await f.locator('[data-testid=field-error]').waitFor();
      await f.locator('input[name=capacity]').fill('6');
      await f.locator('[data-testid=add-table]').click();
      const card = page.locator(`[data-testid=table-card][data-label=${label}]`);
      await card.waitFor();
      const [dl] = await Promise.all([page.waitForEvent('download'), card.locator('[data-testid=qr-download]').click()]);
      assert.equal(dl.suggestedFilename(), `table-${label}-qr.png`);
      const file = await dl.path();
      const png = PNG.sync.read(readFileSync(file));
      const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
      assert.ok(code, 'the PNG holds a QR code');
      assert.equal(code.data, `${ctx.publicUrl}/t/${label}`);
      await page.waitForFunction(() => [...document.querySelectorAll('.qr-card img')].every((i) => i.complete));
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(ctx, page, 'admin-tables');
      await page.locator('[data-testid=print-sheet]').click();
      await page.locator('[data-testid=print-sheet-page] .sheet-card').first().waitFor();
      await page.waitForFunction(() => [...document.querySelectorAll('.sheet-card img')].every((i) => i.complete));
      await shot(ctx, page, 'admin-tables-print');
    },
  },
  {
    name: 'payments and dashboard: rates, QRIS; a cashier takes cash for an order; the dashboard shows its revenue',
    async run(ctx) {
      const mgr = await screen(ctx, 'manager', '/admin/payments', TABLET);
      const page = mgr.page;
      const rf = page.locator('[data-testid=rates-form]');
      await rf.locator('input[name=tax]').fill('150');
      await rf.locator('[data-testid=save-rates]').click();
      await rf.locator('[data-testid=field-error]').waitFor();
      const settings = (await api(ctx.base, 'GET', '/settings', { token: mgr.token })).data;
      await rf.locator('input[name=tax]').fill(String(settings.tax_rate_percent));
      await rf.locator('[data-testid=save-rates]').click();
      await rf.locator('.info').waitFor();
      await page.locator('[data-testid=qris-file]').setInputFiles({ name: 'qris.png', mimeType: 'image/png', buffer: photo(200, 200, [20, 20, 200]) });
      await page.locator('[data-testid=qris-image]').waitFor();
      await shot(ctx, page, 'admin-payments');

      const before = (await api(ctx.base, 'GET', '/admin/dashboard/stats', { token: mgr.token })).data;
      const waiter = await login(ctx.base, 'waiter');
      const tbl = await newTable(ctx.base, mgr.token, `P${rnd()}`);
      await api(ctx.base, 'POST', `/tables/${tbl.id}/seat`, { token: waiter.token, body: { covers: 2 } });
      const pid = await productId(ctx.base, waiter.token, 'Sop Buntut');
      const o = await placeOrder(ctx.base, waiter.token, tbl.id, [{ product_id: pid, quantity: 2 }]);
      assert.ok(o.tax > 0 && o.service_charge > 0, JSON.stringify(o));
      assert.equal(o.total, o.subtotal + o.tax + o.service_charge);

      // The cashier opens it from the floor, sees the bill and takes cash.
      const cashier = await screen(ctx, 'cashier', '/floor', TABLET);
      const cp = cashier.page;
      await cp.locator(`[data-testid=table][data-label=${tbl.label}] [data-testid=open-bill]`).click();
      await cp.locator('[data-testid=bill-lines]').waitFor();
      assert.equal((await cp.locator('[data-testid=bill-total]').textContent()).trim(), rp(o.total));
      assert.equal((await cp.locator('[data-testid=bill-tax]').textContent()).trim(), rp(o.tax));
      assert.equal((await cp.locator('[data-testid=bill-service]').textContent()).trim(), rp(o.service_charge));
      const tendered = Math.ceil(o.total / 100_000) * 100_000 + (o.total % 100_000 === 0 ? 100_000 : 0);
      await cp.locator('[data-testid=tendered]').fill(String(tendered));
      assert.match(await cp.locator('[data-testid=change-preview]').textContent(), new RegExp(rp(tendered - o.total).replace('.', '\\.')));
      await shot(ctx, cp, 'cashier-bill');
      await cp.locator('[data-testid=pay]').click();
      await cp.locator('[data-testid=paid]').waitFor();
      assert.equal((await cp.locator('[data-testid=change]').textContent()).trim(), rp(tendered - o.total));
      await shot(ctx, cp, 'cashier-paid');
      await cp.locator('[data-testid=clear-table]').click();
      await cp.waitForURL(/\/floor/);

      // A second order paid by QRIS: the image full-screen for the guest.
      await api(ctx.base, 'POST', `/tables/${tbl.id}/seat`, { token: waiter.token, body: { covers: 1 } });
      const o2 = await placeOrder(ctx.base, waiter.token, tbl.id, [{ product_id: pid, quantity: 1 }]);
      await cp.goto(`${ctx.base}/bill/${o2.id}`);
      await cp.locator('[data-testid=method-qris]').click();
      await cp.locator('[data-testid=show-qris]').click();
      await cp.locator('[data-testid=qris-full] img').waitFor();
      await cp.waitForFunction(() => document.querySelector('[data-testid=qris-full] img')?.complete);
      await shot(ctx, cp, 'cashier-qris');
      await cp.locator('[data-testid=qris-full]').click();
      await cp.locator('[data-testid=pay]').click();
      await cp.locator('[data-testid=paid]').waitFor();

      // The kitchen marks the first order's tickets ready: fire→ready times for the chart.
      const kitchen = await login(ctx.base, 'kitchen');
      for (const tk of o.tickets ?? []) await api(ctx.base, 'POST', `/tickets/${tk.id}/ready`, { token: kitchen.token });

      // The dashboard: revenue grew by exactly these two orders' totals (tax and service included).
      const expected = before.revenue + o.total + o2.total;
      await page.goto(ctx.base + '/admin/dashboard');
      await page.locator(`[data-testid=kpi-revenue][data-value="${expected}"]`).waitFor();
      assert.equal((await page.locator('[data-testid=kpi-revenue]').textContent()).trim(), rp(expected));
      await page.locator('[data-testid=chart-hours][data-ready=true]').waitFor();
      await page.locator('[data-testid=chart-top][data-ready=true]').waitFor();
      await page.screenshot({ path: `${ctx.shots}/admin-dashboard.png`, fullPage: true });
    },
  },
  {
    name: 'audit: who changed what today, filterable by user; the back-office landing',
    async run(ctx) {
      const mgr = await screen(ctx, 'manager', '/floor', TABLET);
      const page = mgr.page;
      await page.locator('[data-testid=back-office]').click();
      await page.locator('[data-testid=admin-home]').waitFor();
      await shot(ctx, page, 'admin-home');
      await page.locator('[data-testid=tile-audit]').click();
      await page.locator('[data-testid=audit-list]').waitFor();
      const kinds = await page.locator('[data-testid=audit-row]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-kind')));
      assert.ok(kinds.length > 0);
      await page.locator('[data-testid=audit-kind]').selectOption('product.availability');
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=audit-row]')].every((r) => r.getAttribute('data-kind') === 'product.availability'));
      await page.locator('[data-testid=audit-kind]').selectOption('');
      await page.locator('[data-testid=audit-user]').selectOption({ label: 'Dewi Manager' });
      await page.locator('[data-testid=audit-row]').first().waitFor();
      await shot(ctx, page, 'admin-audit');
    },
  },
];
