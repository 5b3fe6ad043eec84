// End-to-end tests of the screens in headless Chromium (playwright-core driving Debian's
// `chromium`) against a real Kenangan server and PostgreSQL:
//
//   cargo build → ../target/debug/kenangan serve on a free port, with a fresh database
//   (kenangan_t_e2e_<random>, created, migrated and loaded with demo data by the server),
//   STATIC_DIR = clients/dist (run `npm run build` first; `npm test` does), a temp UPLOAD_DIR.
//
// Every wait is bounded; nothing asserts a duration. The database is dropped afterwards.
// Environment: KENANGAN_BIN (skip the cargo build and use this binary), CHROMIUM (browser path),
// SCREENSHOT_DIR (where the screenshots go; default e2e/out/screenshots), E2E_ONLY (a scenario
// name filter), E2E_KEEP=1 (keep the database and the server log).

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backOffice } from './backoffice.mjs';
import { scenarios as screenScenarios } from './scenarios.mjs';

const scenarios = [...screenScenarios, ...backOffice];

const here = dirname(fileURLToPath(import.meta.url));
const clients = resolve(here, '..');
const repo = resolve(clients, '..');
const out = join(here, 'out');
mkdirSync(out, { recursive: true });
const RUN_LIMIT_MS = 12 * 60_000;

function log(...a) {
  console.log('e2e:', ...a);
}

function findChromium() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return c;
  // A fresh machine: Debian's chromium is a package away (we run as root in CI).
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    log('installing Debian chromium (apt-get install -y chromium)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env, timeout: 300_000 });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env, timeout: 600_000 });
    if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  return null;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitHealthy(base, child, deadlineMs) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`the server exited (code ${child.exitCode})`);
    try {
      const r = await fetch(`${base}/api/v1/health`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server was not healthy within ${deadlineMs / 1000} s`);
}

function dropDatabase(pgBase, name) {
  try {
    execFileSync('psql', [`${pgBase}/postgres`, '-qAtc', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`], { stdio: 'pipe', timeout: 30_000 });
  } catch (e) {
    log(`could not drop ${name}: ${e.message.split('\n')[0]}`);
  }
}

async function main() {
  const watchdog = setTimeout(() => {
    console.error('e2e: run limit reached; aborting');
    process.exit(2);
  }, RUN_LIMIT_MS);
  watchdog.unref();

  if (!existsSync(join(clients, 'dist', 'index.html'))) {
    console.error('e2e: clients/dist is missing; run `npm run build` first');
    process.exit(1);
  }
  const chromium = findChromium();
  if (!chromium) {
    console.error('e2e: no Chromium found (apt-get install -y chromium, or set CHROMIUM)');
    process.exit(1);
  }

  let bin = process.env.KENANGAN_BIN;
  if (!bin) {
    log('cargo build --bin kenangan');
    const b = spawnSync('cargo', ['build', '--bin', 'kenangan'], { cwd: repo, stdio: 'inherit' });
    if (b.status !== 0) {
      console.error('e2e: cargo build failed');
      process.exit(1);
    }
    bin = join(repo, 'target', 'debug', 'kenangan');
  }

  const port = await freePort();
  const dbName = `kenangan_t_e2e_${Math.random().toString(36).slice(2, 10)}`;
  const pgBase = process.env.E2E_PG ?? 'postgres://postgres@127.0.0.1:5432';
  const dbUrl = `${pgBase}/${dbName}`;
  const uploads = mkdtempSync(join(tmpdir(), 'kenangan-e2e-'));
  const serverLog = join(out, 'server.log');
  const env = {
    ...process.env,
    APP_ENV: 'development',
    API_PORT: String(port),
    API_HOST: '127.0.0.1',
    DATABASE_URL: dbUrl,
    STATIC_DIR: join(clients, 'dist'),
    UPLOAD_DIR: uploads,
    PUBLIC_URL: 'https://kenangan.test',
    RUST_LOG: process.env.RUST_LOG ?? 'info',
  };
  delete env.REDIS_URL;
  const base = `http://127.0.0.1:${port}`;
  log(`starting ${bin} serve on ${base} with database ${dbName}`);
  const fd = openSync(serverLog, 'w');
  const start = () => spawn(bin, ['serve'], { cwd: repo, env, stdio: ['ignore', fd, fd] });
  let server = start();
  /** Stops the server as a deploy does (SIGTERM: sessions get 1012), bounded. */
  const stopServer = () =>
    new Promise((r) => {
      if (server.exitCode !== null || server.signalCode !== null) return r();
      const h = setTimeout(() => {
        server.kill('SIGKILL');
      }, 20_000);
      server.once('exit', () => {
        clearTimeout(h);
        r();
      });
      server.kill('SIGTERM');
    });

  let browser = null;
  let failed = 0;
  let passed = 0;
  let skipped = 0;
  const cleanup = async () => {
    try {
      await browser?.close();
    } catch {
      /* already gone */
    }
    await stopServer();
    if (!process.env.E2E_KEEP) {
      dropDatabase(pgBase, dbName);
      rmSync(uploads, { recursive: true, force: true });
    }
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    await waitHealthy(base, server, 90_000);
    // The hub must be there: without it the screens cannot be live.
    const ws = await fetch(`${base}/api/v1/ws`);
    const wsBody = await ws.text();
    if (ws.status === 404 && wsBody.includes('route_not_found')) {
      log('the WebSocket hub is not in this build (GET /api/v1/ws is 404): browser tests skipped');
      console.log('0 passed, 0 failed, 1 skipped');
      return;
    }

    const { chromium: pw } = await import('playwright-core');
    browser = await pw.launch({
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    const shots = resolve(process.env.SCREENSHOT_DIR ?? join(out, 'screenshots'));
    mkdirSync(shots, { recursive: true });
    const only = process.env.E2E_ONLY;
    const ctx = {
      base,
      publicUrl: 'https://kenangan.test',
      browser,
      shots,
      state: {},
      /** A restart, as in a deploy: SIGTERM (sessions close with 1012), then the same server again. */
      async restartServer(whileDown) {
        await stopServer();
        if (whileDown) await whileDown();
        server = start();
        await waitHealthy(base, server, 90_000);
      },
    };
    for (const s of scenarios) {
      if (only && !s.name.includes(only)) {
        skipped++;
        continue;
      }
      const t0 = Date.now();
      try {
        await s.run(ctx);
        passed++;
        console.log(`ok - ${s.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        console.log(`not ok - ${s.name}\n  ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n  ')}`);
        // What each screen showed when it failed.
        let n = 0;
        for (const c of ctx.open ?? []) {
          for (const p of c.pages()) {
            await p.screenshot({ path: join(out, `failed-${s.name.slice(0, 24).replace(/\W+/g, '-')}-${n++}.png`) }).catch(() => {});
          }
        }
      } finally {
        await ctx.closeAll?.();
      }
    }
    log(`screenshots in ${shots}`);
  } catch (e) {
    failed++;
    console.log(`not ok - e2e setup\n  ${e?.message ?? e}`);
    try {
      console.log(readFileSync(serverLog, 'utf8').split('\n').slice(-30).join('\n'));
    } catch {
      /* no log */
    }
  } finally {
    await cleanup();
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
