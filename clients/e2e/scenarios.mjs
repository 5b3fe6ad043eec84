// The browser scenarios. Each gets { base, browser, shots, state } and opens its own contexts
// (one per device: a phone for a waiter, a 1280×800 tablet for a station). Waits are bounded
// (WAIT); nothing is asserted about how long anything took.

import assert from 'node:assert/strict';
import { join } from 'node:path';

const WAIT = 15_000;
const PHONE = { width: 390, height: 844 };
const TABLET = { width: 1280, height: 800 };

async function api(base, method, path, { token, body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const r = await fetch(`${base}/api/v1${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const env = await r.json().catch(() => null);
  return { status: r.status, env, data: env?.data };
}

async function login(base, user) {
  const r = await api(base, 'POST', '/auth/login', { body: { username: user, password: `${user}123` } });
  assert.equal(r.status, 200, `login ${user}: ${JSON.stringify(r.env)}`);
  return r.data;
}

function track(ctx, c) {
  ctx.open = ctx.open ?? [];
  ctx.open.push(c);
  ctx.closeAll = async () => {
    for (const x of ctx.open.splice(0)) await x.close().catch(() => {});
  };
  return c;
}

async function newContext(ctx, viewport) {
  const c = track(ctx, await ctx.browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-US', serviceWorkers: 'block' }));
  c.setDefaultTimeout(WAIT);
  return c;
}

function watchErrors(page, label) {
  page.on('pageerror', (e) => console.log(`  [${label}] page error: ${e.message}`));
}

/** A logged-in screen (the session is put in storage, as after a login). */
async function screen(ctx, user, path, viewport) {
  const s = await login(ctx.base, user);
  const c = await newContext(ctx, viewport);
  await c.addInitScript((v) => {
    if (!localStorage.getItem('kenangan.session')) localStorage.setItem('kenangan.session', v);
    localStorage.setItem('kenangan.lang', localStorage.getItem('kenangan.lang') ?? 'en');
  }, JSON.stringify(s));
  const page = await c.newPage();
  watchErrors(page, `${user} ${path}`);
  await page.goto(ctx.base + path);
  return { ctx: c, page, token: s.token, user: s.user };
}

async function live(page) {
  await page.locator('[data-testid=conn][data-status=live]').waitFor({ timeout: WAIT });
}

async function shot(ctx, page, name) {
  await page.screenshot({ path: join(ctx.shots, `${name}.png`) });
}

async function productId(base, token, name) {
  const r = await api(base, 'GET', `/products?q=${encodeURIComponent(name)}`, { token });
  const p = r.data.find((x) => x.name === name);
  assert.ok(p, `product ${name}`);
  return p.id;
}

async function tableId(base, token, label) {
  const r = await api(base, 'GET', '/tables', { token });
  const t = r.data.find((x) => x.label === label);
  assert.ok(t, `table ${label}`);
  return t.id;
}

/** Seats a table and opens the menu for it, in the waiter app. */
async function openMenu(page, label) {
  await page.locator(`[data-testid=table][data-label="${label}"]`).click();
  const seat = page.locator('[data-testid=seat]');
  await seat.click();
  await page.locator('[data-testid=add-items]').click();
  await page.locator('[data-testid=menu]').waitFor();
}

async function addProduct(page, name, { modifier, notes, qty = 1, course } = {}) {
  await page.locator(`[data-testid=product][data-name="${name}"]`).click();
  for (let i = 1; i < qty; i++) await page.locator('[data-testid=qty-plus]').click();
  if (modifier) await page.locator('[data-testid=item-editor]').getByRole('button', { name: modifier, exact: true }).click();
  if (notes) await page.locator('[data-testid=notes]').fill(notes);
  if (course) await page.locator('[data-testid=item-editor]').getByRole('button', { name: String(course), exact: true }).click();
  await page.locator('[data-testid=add]').click();
}

async function order(base, token, tableLabel, items) {
  const table_id = await tableId(base, token, tableLabel);
  const r = await api(base, 'POST', '/orders', {
    token,
    body: { table_id, covers: 2, items },
    headers: { 'Idempotency-Key': `e2e-${tableLabel}-${Math.random()}` },
  });
  assert.equal(r.status, 201, JSON.stringify(r.env));
  return r.data;
}

export const scenarios = [
  {
    name: 'a wrong password shows a clear message; the language can be switched',
    async run(ctx) {
      const c = await newContext(ctx, PHONE);
      const page = await c.newPage();
      watchErrors(page, 'login');
      await page.goto(ctx.base + '/');
      await page.waitForURL(/\/login/);
      await page.locator('input[name=username]').fill('waiter');
      await page.locator('input[name=password]').fill('not-the-password');
      await page.locator('button[type=submit]').click();
      const err = page.locator('[data-testid=login-error]');
      await err.waitFor();
      assert.equal((await err.textContent()).trim(), 'Wrong username or password.');
      assert.match(page.url(), /\/login/);
      await shot(ctx, page, 'login-phone');
      await page.locator('[data-testid=lang]').click();
      await page.locator('button[type=submit]', { hasText: 'Masuk' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'id');
      await page.locator('[data-testid=lang]').click();
      const t = await newContext(ctx, TABLET);
      const p2 = await t.newPage();
      await p2.goto(ctx.base + '/login');
      await p2.locator('input[name=username]').waitFor();
      await shot(ctx, p2, 'login-tablet');
    },
  },
  {
    name: 'a waiter sends an order; grill and expo show it; the cook bumps; that waiter (not another) is told',
    async run(ctx) {
      const kds = await screen(ctx, 'kitchen', '/kds/grill', TABLET);
      const expo = await screen(ctx, 'kitchen', '/expo', TABLET);
      const w2 = await screen(ctx, 'waiter2', '/waiter', PHONE);
      // The first waiter logs in through the form and lands on the waiter app.
      const wc = await newContext(ctx, PHONE);
      const w = await wc.newPage();
      watchErrors(w, 'waiter');
      await w.goto(ctx.base + '/');
      await w.locator('input[name=username]').fill('waiter');
      await w.locator('input[name=password]').fill('waiter123');
      await w.locator('button[type=submit]').click();
      await w.waitForURL(/\/waiter$/);
      await Promise.all([live(w), live(w2.page), live(kds.page), live(expo.page)]);
      await shot(ctx, w, 'waiter-tables');

      await openMenu(w, 'T5');
      await addProduct(w, 'Tenderloin 180g', { modifier: 'medium rare', notes: 'sauce on the side', qty: 2 });
      await addProduct(w, 'Es Teh Manis', { modifier: 'less sugar' });
      await w.locator('[data-testid=cart-toggle]').click();
      await shot(ctx, w, 'waiter-menu');
      await w.locator('[data-testid=send]').click();
      await w.locator('[data-testid=order]').waitFor();
      const total = (await w.locator('[data-testid=total]').textContent()).trim();
      assert.match(total, /^Rp \d{1,3}(\.\d{3})+$/, `total ${total}`);

      const card = kds.page.locator('[data-testid=ticket][data-table=T5]');
      await card.waitFor();
      assert.equal(await card.count(), 1);
      const text = await card.textContent();
      assert.ok(text.includes('Tenderloin 180g') && text.includes('medium rare') && text.includes('sauce on the side'), text);
      assert.ok(!text.includes('Es Teh'), 'the bar item is not on the grill');
      assert.match(await kds.page.locator('[data-testid=allday]').textContent(), /2\s*Tenderloin 180g/);
      await expo.page.locator('[data-testid=expo-cooking] [data-testid=ticket][data-table=T5]').nth(1).waitFor();
      assert.equal(await expo.page.locator('[data-testid=expo-cooking] [data-testid=ticket][data-table=T5]').count(), 2);
      await shot(ctx, kds.page, 'kds-grill');

      await card.locator('[data-testid=bump]').click();
      const notice = w.locator('[data-testid=notice]', { hasText: 'T5 — ready' });
      await notice.waitFor();
      await kds.page.locator('[data-testid=recent] li', { hasText: 'T5' }).waitFor();
      assert.equal(await kds.page.locator('[data-testid=ticket][data-table=T5]').count(), 0);
      await expo.page.locator('[data-testid=expo-ready] [data-testid=ticket][data-table=T5]').waitFor();
      await shot(ctx, w, 'waiter-ready');
      await shot(ctx, expo.page, 'expo');

      // waiter2 must not be told. Make an event waiter2 does receive *after* the bump (a table
      // seated on the floor), wait for it, then check: events arrive in seq order, so had the
      // bump reached waiter2, it would be on screen by now.
      const t14 = await tableId(ctx.base, w2.token, 'T14');
      const seat = await api(ctx.base, 'POST', `/tables/${t14}/seat`, { token: w2.token, body: { covers: 2 } });
      assert.equal(seat.status, 200, JSON.stringify(seat.env));
      await w2.page.locator('[data-testid=table][data-label=T14][data-status=seated]').waitFor();
      assert.equal(await w2.page.locator('[data-testid=notice]').count(), 0, 'waiter2 was told about waiter\'s order');
      assert.equal(await w.locator('[data-testid=notice]').count(), 1);

      // Served from the notice; the session survives a reload; logout goes back to the login.
      await notice.locator('button', { hasText: 'Mark served' }).click();
      await expo.page.locator('[data-testid=expo-ready] [data-testid=ticket][data-table=T5]').waitFor({ state: 'detached' });
      assert.equal(await w.locator('[data-testid=notice]').count(), 0);
      await w.locator('[data-testid=bill]').click();
      await w.locator('[data-testid=table-sheet] .badge.ts-bill_requested').waitFor();
      await w2.page.locator('[data-testid=table][data-label=T5][data-status=bill_requested]').waitFor();
      await w.reload();
      await w.locator('[data-testid=waiter]').waitFor();
      await live(w);
      await w.locator('[data-testid=logout]').click();
      await w.waitForURL(/\/login/);
      await api(ctx.base, 'POST', `/tables/${t14}/clear`, { token: w2.token });
    },
  },
  {
    name: 'a kitchen screen taken offline while two orders are sent shows both, once each, when back online',
    async run(ctx) {
      const kds = await screen(ctx, 'kitchen', '/kds/grill', TABLET);
      await live(kds.page);
      const waiter = await login(ctx.base, 'waiter');
      const tenderloin = await productId(ctx.base, waiter.token, 'Tenderloin 180g');
      const chicken = await productId(ctx.base, waiter.token, 'Chicken Steak');
      const wagyu = await productId(ctx.base, waiter.token, 'Wagyu Sirloin 200g');

      await kds.ctx.setOffline(true);
      await kds.page.locator('[data-testid=conn][data-status=offline], [data-testid=conn][data-status=reconnecting]').first().waitFor();
      await kds.page.locator('.conn-bad').waitFor();
      await shot(ctx, kds.page, 'kds-offline');
      await order(ctx.base, waiter.token, 'T6', [{ product_id: tenderloin, quantity: 1 }]);
      await order(ctx.base, waiter.token, 'T7', [
        { product_id: wagyu, quantity: 1, modifiers: ['rare'] },
        { product_id: chicken, quantity: 2 },
      ]);
      assert.equal(await kds.page.locator('[data-testid=ticket][data-table=T6]').count(), 0, 'an offline screen cannot have it yet');

      await kds.ctx.setOffline(false);
      await kds.page.locator('[data-testid=conn][data-status=live][data-replayed="2"]').waitFor();
      await kds.page.locator('[data-testid=ticket][data-table=T7]').waitFor();
      assert.equal(await kds.page.locator('[data-testid=ticket][data-table=T6]').count(), 1);
      assert.equal(await kds.page.locator('[data-testid=ticket][data-table=T7]').count(), 1);
      // Exactly what the server says is open at the grill: no ghost, no duplicate, no loss.
      const open = await api(ctx.base, 'GET', '/tickets?station=grill', { token: kds.token });
      const want = open.data.filter((t) => t.status === 'fired' || t.status === 'started').map((t) => String(t.id)).sort();
      const have = (await kds.page.locator('[data-testid=ticket]').evaluateAll((els) => els.map((e) => e.dataset.ticket))).sort();
      assert.deepEqual(have, want);
      assert.match(await kds.page.locator('[data-testid=conn]').textContent(), /2 missed updates replayed/);
      await shot(ctx, kds.page, 'kds-caught-up');
    },
  },
  {
    name: 'a held course is fired later; the cook starts, marks an item done, rushes, bumps by keyboard and recalls',
    async run(ctx) {
      const kds = await screen(ctx, 'kitchen', '/kds/grill', TABLET);
      const w = await screen(ctx, 'waiter', '/waiter', PHONE);
      await Promise.all([live(kds.page), live(w.page)]);
      await openMenu(w.page, 'T11');
      await addProduct(w.page, 'Black Angus Ribeye 250g', { modifier: 'medium' });
      await addProduct(w.page, 'Chicken Steak');
      await addProduct(w.page, 'Iga Bakar Kenangan', { course: 2 });
      await w.page.locator('[data-testid=cart-toggle]').click();
      await w.page.getByLabel('Hold course 2').check();
      await w.page.locator('[data-testid=send]').click();
      await w.page.locator('[data-testid=order]').waitFor();

      const cards = kds.page.locator('[data-testid=ticket][data-table=T11]');
      await cards.first().waitFor();
      assert.equal(await cards.count(), 1, 'course 2 is held');
      assert.ok(!(await cards.first().textContent()).includes('Iga Bakar'));
      const c1 = kds.page.locator('[data-testid=ticket][data-table=T11]', { hasText: 'Course 1' });
      await c1.getByRole('button', { name: 'Start', exact: true }).click();
      await kds.page.locator('[data-testid=ticket][data-table=T11][data-status=started]').waitFor();
      await c1.locator('[data-testid=item] .item-btn', { hasText: 'Black Angus' }).click();
      await c1.locator('.item-done', { hasText: 'Black Angus' }).waitFor();
      await c1.getByRole('button', { name: 'Rush', exact: true }).click();
      await c1.locator('.badge-rush').waitFor();

      await w.page.locator('[data-testid=fire]').click();
      await kds.page.locator('[data-testid=ticket][data-table=T11]', { hasText: 'Course 2' }).waitFor();
      assert.equal(await cards.count(), 2);
      await shot(ctx, kds.page, 'kds-working');

      // Bump bar: 1 selects the first card (the rushed one), Enter bumps, R recalls the last bump.
      await kds.page.locator('body').click({ position: { x: 5, y: 790 } });
      await kds.page.keyboard.press('1');
      await kds.page.keyboard.press('Enter');
      await kds.page.locator('[data-testid=recent] li', { hasText: 'T11' }).waitFor();
      assert.equal(await cards.count(), 1);
      await kds.page.keyboard.press('r');
      await kds.page.locator('[data-testid=ticket][data-table=T11]', { hasText: 'RECALLED' }).waitFor();
      assert.equal(await cards.count(), 2);
    },
  },
  {
    name: "items voided or added after firing are flagged on the station's card",
    async run(ctx) {
      const kds = await screen(ctx, 'kitchen', '/kds/grill', TABLET);
      const w = await screen(ctx, 'waiter', '/waiter', PHONE);
      await Promise.all([live(kds.page), live(w.page)]);
      await openMenu(w.page, 'T4');
      await addProduct(w.page, 'Chicken Steak');
      await addProduct(w.page, 'Tenderloin 180g', { modifier: 'rare' });
      await w.page.locator('[data-testid=send]').click();
      await w.page.locator('[data-testid=order]').waitFor();
      const card = kds.page.locator('[data-testid=ticket][data-table=T4]');
      await card.locator('[data-testid=item]', { hasText: 'Chicken Steak' }).waitFor();
      const allDayOf = async (name) => {
        const line = kds.page.locator('[data-testid=allday] li', { hasText: name });
        return (await line.count()) === 0 ? 0 : Number((await line.locator('.qty').textContent()).trim());
      };
      const before = await allDayOf('Chicken Steak');

      const line = w.page.locator('[data-testid=line][data-name="Chicken Steak"]');
      await line.getByRole('button', { name: 'Void', exact: true }).click();
      await line.getByRole('button', { name: 'Entered by mistake' }).click();
      await w.page.locator('[data-testid=line][data-name="Chicken Steak"][data-status=voided]').waitFor();
      await card.locator('.item-void', { hasText: 'Chicken Steak' }).waitFor();
      assert.match(await card.locator('.item-void').textContent(), /VOID/);
      assert.equal(await allDayOf('Chicken Steak'), before - 1);

      await w.page.locator('[data-testid=add-items]').click();
      await addProduct(w.page, 'Wagyu Sirloin 200g', { modifier: 'medium' });
      await w.page.locator('[data-testid=send]').click();
      await w.page.locator('[data-testid=line][data-name="Wagyu Sirloin 200g"]').waitFor();
      await kds.page.locator('[data-testid=ticket][data-table=T4] .item-late', { hasText: 'Wagyu Sirloin 200g' }).waitFor();
      assert.match(await kds.page.locator('[data-testid=ticket][data-table=T4] .item-late').textContent(), /ADDED/);
      assert.equal(await card.count(), 2);
      await shot(ctx, kds.page, 'kds-void-added');
      await shot(ctx, w.page, 'waiter-order');
    },
  },
  {
    name: 'ticket ages turn yellow then red at the configured thresholds',
    async run(ctx) {
      // Thresholds from the URL (minutes): yellow after 3 s, red after 6 s.
      const kds = await screen(ctx, 'kitchen', '/kds/grill?warn=0.05&late=0.1', TABLET);
      await live(kds.page);
      const waiter = await login(ctx.base, 'waiter');
      const steak = await productId(ctx.base, waiter.token, 'Iga Bakar Kenangan');
      await order(ctx.base, waiter.token, 'T13', [{ product_id: steak, quantity: 3, modifiers: ['extra pedas'], notes: 'no rice' }]);
      const age = kds.page.locator('[data-testid=ticket][data-table=T13] [data-testid=age]');
      await age.waitFor();
      await kds.page.locator('[data-testid=ticket][data-table=T13] [data-testid=age][data-level=warn]').waitFor();
      await kds.page.locator('[data-testid=ticket][data-table=T13] [data-testid=age][data-level=late]').waitFor();
      assert.match(await age.textContent(), /^\d+:\d\d$/);
      await shot(ctx, kds.page, 'kds-late');
    },
  },
  {
    name: 'a server restart (1012): the screen says so, reconnects with back-off and resumes exactly',
    async run(ctx) {
      const kds = await screen(ctx, 'kitchen', '/kds/grill', TABLET);
      await live(kds.page);
      const waiter = await login(ctx.base, 'waiter');
      const ribeye = await productId(ctx.base, waiter.token, 'Black Angus Ribeye 250g');
      await ctx.restartServer(async () => {
        await kds.page.locator('[data-testid=conn][data-status=reconnecting]').waitFor();
        assert.match(await kds.page.locator('[data-testid=conn]').textContent(), /reconnecting/);
      });
      await kds.page.locator('[data-testid=conn][data-status=live]').waitFor({ timeout: 30_000 });
      await order(ctx.base, waiter.token, 'T12', [{ product_id: ribeye, quantity: 1 }]);
      await kds.page.locator('[data-testid=ticket][data-table=T12]').waitFor();
      assert.equal(await kds.page.locator('[data-testid=ticket][data-table=T12]').count(), 1);
      const open = await api(ctx.base, 'GET', '/tickets?station=grill', { token: kds.token });
      const want = open.data.filter((t) => t.status === 'fired' || t.status === 'started').map((t) => String(t.id)).sort();
      const have = (await kds.page.locator('[data-testid=ticket]').evaluateAll((els) => els.map((e) => e.dataset.ticket))).sort();
      assert.deepEqual(have, want);
    },
  },
  {
    name: "an 86'd product cannot be ordered",
    async run(ctx) {
      const w = await screen(ctx, 'waiter', '/waiter', PHONE);
      await live(w.page);
      const manager = await login(ctx.base, 'manager');
      const salad = await productId(ctx.base, manager.token, 'Caesar Salad');
      await openMenu(w.page, 'T8');
      await addProduct(w.page, 'Caesar Salad');
      const r = await api(ctx.base, 'PUT', `/products/${salad}/availability`, { token: manager.token, body: { is_available: false } });
      assert.equal(r.status, 200, JSON.stringify(r.env));
      try {
        // The menu follows at once: the product is shown 86'd and cannot be picked.
        const item = w.page.locator('[data-testid=product][data-name="Caesar Salad"]');
        await w.page.locator('[data-testid=product][data-name="Caesar Salad"]:disabled').waitFor();
        assert.match(await item.textContent(), /86'd/);
        // The one already in the cart is refused by the server, and the waiter is told which.
        await w.page.locator('[data-testid=send]').click();
        const err = w.page.locator('[data-testid=send-error]');
        await err.waitFor();
        assert.match(await err.textContent(), /Caesar Salad/);
        await shot(ctx, w.page, 'waiter-86');
        const waiter = await login(ctx.base, 'waiter');
        const direct = await api(ctx.base, 'POST', '/orders', { token: waiter.token, body: { items: [{ product_id: salad, quantity: 1 }] } });
        assert.equal(direct.status, 409);
        assert.equal(direct.env.error.code, 'product_unavailable');
      } finally {
        await api(ctx.base, 'PUT', `/products/${salad}/availability`, { token: manager.token, body: { is_available: true } });
      }
    },
  },
  {
    name: 'a send retried after a lost answer makes one order (same Idempotency-Key)',
    async run(ctx) {
      const w = await screen(ctx, 'waiter2', '/waiter', PHONE);
      await live(w.page);
      const keys = [];
      await w.page.route('**/api/v1/orders', async (route) => {
        const req = route.request();
        if (req.method() !== 'POST') return route.continue();
        keys.push(req.headers()['idempotency-key']);
        if (keys.length === 1) {
          await route.fetch(); // the server takes the order…
          return route.abort('connectionreset'); // …and the answer is lost on the way back
        }
        return route.continue();
      });
      await openMenu(w.page, 'T9');
      await addProduct(w.page, 'Nasi Goreng Wagyu');
      await w.page.locator('[data-testid=send]').click();
      await w.page.locator('[data-testid=order]').waitFor();
      assert.equal(keys.length, 2, `requests: ${keys.length}`);
      assert.ok(keys[0] && keys[0] === keys[1], `keys ${keys}`);
      const orders = await api(ctx.base, 'GET', '/orders?status=open', { token: w.token });
      assert.equal(orders.data.filter((o) => o.table_label === 'T9').length, 1);
    },
  },
  {
    name: 'the floor view shows table states and shouts a dark station',
    async run(ctx) {
      const waiter = await login(ctx.base, 'waiter');
      await order(ctx.base, waiter.token, 'T10', [{ product_id: await productId(ctx.base, waiter.token, 'Sop Buntut'), quantity: 2 }]);
      const kds = await screen(ctx, 'kitchen', '/kds/grill', TABLET);
      await live(kds.page);
      const mgr = await screen(ctx, 'manager', '/floor', TABLET);
      await live(mgr.page);
      const shout = mgr.page.locator('[data-testid=dark-stations]');
      await shout.waitFor();
      await mgr.page.locator('[data-testid=station][data-code=grill]:not(.dark)').waitFor();
      const dark = (await shout.getAttribute('data-stations')).split(',');
      assert.ok(dark.includes('bar'), `dark: ${dark}`);
      assert.ok(!dark.includes('grill'), `dark: ${dark}`);
      assert.match(await shout.textContent(), /Bar/);
      await mgr.page.locator('[data-testid=table][data-label=T10][data-status=ordered]').waitFor();
      await mgr.page.locator('[data-testid=stats]').waitFor();
      await shot(ctx, mgr.page, 'floor');
      // A bar screen comes online: the bar is no longer shouted.
      const bar = await screen(ctx, 'bar', '/kds/bar', TABLET);
      await live(bar.page);
      await mgr.page.locator('[data-testid=station][data-code=bar]:not(.dark)').waitFor();
      const now = (await shout.getAttribute('data-stations').catch(() => '')) ?? '';
      assert.ok(!now.split(',').includes('bar'), `dark: ${now}`);
      await shot(ctx, bar.page, 'kds-bar');
    },
  },
];

export { WAIT, PHONE, TABLET, api, login, newContext, watchErrors, screen, live, shot, productId, tableId, openMenu, order };
