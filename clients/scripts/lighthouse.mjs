// The post-deployment audit: Lighthouse (npm `lighthouse`, run through npx, pointed at Debian's
// Chromium) on the login page, the kitchen display, the waiter app, the floor view and two
// back-office pages, logged in through a
// shared browser profile. Usage: BASE=http://localhost:8080 node scripts/lighthouse.mjs
// Prints the four category scores and the paint timings of each page as JSON.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
const base = process.env.BASE ?? 'http://127.0.0.1:8080';
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const port = Number(process.env.LH_PORT ?? 9333);
const dir = mkdtempSync(join(tmpdir(), 'kenangan-lh-'));
const prof = join(dir, 'profile');
const chrome = spawn(browserPath, ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--remote-debugging-port=${port}`, `--user-data-dir=${prof}`, 'about:blank'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 2000));
const res = {};
async function loginAs(user) {
  const b = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const ctx = b.contexts()[0];
  const p = await ctx.newPage();
  await p.goto(base + '/login');
  await p.evaluate(() => localStorage.clear());
  if (user) {
    const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password: user + '123' }) });
    const s = (await r.json()).data;
    await p.evaluate((v) => localStorage.setItem('kenangan.session', v), JSON.stringify(s));
  }
  await p.close();
  await b.close();
}
const only = process.env.LH_ONLY;
for (const [name, user, path, preset] of [
  ['login', null, '/login', 'mobile'],
  ['kitchen display', 'kitchen', '/kds/grill', 'desktop'],
  ['waiter app', 'waiter', '/waiter', 'mobile'],
  ['floor view', 'manager', '/floor', 'desktop'],
  ['dashboard', 'manager', '/admin/dashboard', 'desktop'],
  ['menu (back office)', 'manager', '/admin/menu', 'desktop'],
]) {
  if (only && !name.includes(only)) continue;
  await loginAs(user);
  const report = join(dir, `${path.replace(/\//g, '_')}.json`);
  const args = ['--yes', 'lighthouse@12', base + path, `--port=${port}`, '--disable-storage-reset', '--output=json', `--output-path=${report}`, '--quiet', '--only-categories=performance,accessibility,best-practices,seo'];
  if (preset === 'desktop') args.push('--preset=desktop');
  try {
    execFileSync('npx', args, { stdio: 'inherit', timeout: 300_000 });
    const j = JSON.parse(readFileSync(report, 'utf8'));
    const c = j.categories;
    res[name] = { url: j.finalDisplayedUrl, perf: Math.round(c.performance.score * 100), a11y: Math.round(c.accessibility.score * 100), bp: Math.round(c['best-practices'].score * 100), seo: Math.round(c.seo.score * 100), fcp: j.audits['first-contentful-paint'].displayValue, lcp: j.audits['largest-contentful-paint'].displayValue, tti: j.audits['interactive']?.displayValue };
    // Each failed binary audit with the elements it names (what to fix).
    const failed = Object.values(j.audits).filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === 'binary');
    res[name].failed = failed.map((a) => a.id);
    res[name].where = Object.fromEntries(failed.map((a) => [a.id, (a.details?.items ?? []).map((i) => i.node?.snippet ?? i.node?.selector).filter(Boolean).slice(0, 5)]));
  } catch (e) {
    res[name] = { error: String(e.message).slice(0, 200) };
  }
}
await new Promise((r) => {
  chrome.once('exit', r);
  chrome.kill();
});
rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
console.log(JSON.stringify(res, null, 1));
