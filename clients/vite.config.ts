import { defineConfig } from 'vitest/config';

// The API server during `npm run dev` (the built app is served by the Rust server itself).
declare const process: { env: Record<string, string | undefined> };
const api = process.env.KENANGAN_API ?? 'http://127.0.0.1:18181';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', target: 'es2020', sourcemap: false, assetsInlineLimit: 0 },
  server: {
    port: 5173,
    proxy: { '/api': { target: api, ws: true, changeOrigin: true }, '/uploads': api },
  },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
