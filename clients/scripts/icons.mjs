// Draws the app icons (PNG) without any image library: a plate with a steaming bowl mark on the
// kitchen's dark background. `npm run icons` rewrites public/icons/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BG = [0x14, 0x16, 0x1a];
const AMBER = [0xf5, 0xa5, 0x24];
const WHITE = [0xf4, 0xf1, 0xea];

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x + 0.5, y + 0.5);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

// The mark in unit coordinates (-1..1): an amber ring (the plate), a white bowl, three steam lines.
function mark(u, v) {
  const r = Math.hypot(u, v);
  if (r > 0.78 && r < 0.92) return AMBER;
  // bowl: lower half-disc
  if (v > 0.02 && v < 0.45 && Math.hypot(u, v - 0.02) < 0.5) return WHITE;
  if (Math.abs(v - 0.02) < 0.05 && Math.abs(u) < 0.58) return WHITE;
  // steam: three wavy strokes
  for (const x0 of [-0.25, 0, 0.25]) {
    if (v < -0.08 && v > -0.6) {
      const x = x0 + 0.06 * Math.sin((v + 0.08) * 12);
      if (Math.abs(u - x) < 0.045) return AMBER;
    }
  }
  return null;
}

function icon(size, { maskable = false, rounded = true } = {}) {
  const scale = maskable ? 0.62 : 0.8; // maskable keeps the mark inside the 80 % safe circle
  const rad = size * 0.22;
  return png(size, (x, y) => {
    if (rounded && !maskable) {
      const cx = Math.min(Math.max(x, rad), size - rad);
      const cy = Math.min(Math.max(y, rad), size - rad);
      if (Math.hypot(x - cx, y - cy) > rad) return [0, 0, 0, 0];
    }
    // 4x supersampling for smooth edges
    let acc = [0, 0, 0], n = 0;
    for (const dx of [-0.375, -0.125, 0.125, 0.375]) for (const dy of [-0.375, -0.125, 0.125, 0.375]) {
      const u = ((x + dx) / size - 0.5) * 2 / scale;
      const v = ((y + dy) / size - 0.5) * 2 / scale;
      const c = mark(u, v) ?? BG;
      acc = acc.map((a, i) => a + c[i]);
      n++;
    }
    return [...acc.map((a) => Math.round(a / n)), 255];
  });
}

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', icon(192));
writeFileSync('public/icons/icon-512.png', icon(512));
writeFileSync('public/icons/icon-maskable-512.png', icon(512, { maskable: true }));
writeFileSync('public/icons/apple-touch-icon.png', icon(180, { rounded: false }));
writeFileSync(
  'public/icons/icon.svg',
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="22" fill="#14161a"/>` +
    `<circle cx="50" cy="50" r="34" fill="none" stroke="#f5a524" stroke-width="5.6"/>` +
    `<path d="M26.8 50.8h46.4M30 50.8a20 18 0 0 0 40 0z" fill="#f4f1ea" stroke="#f4f1ea" stroke-width="4" stroke-linejoin="round"/>` +
    `<path d="M40 46c-3-4 3-8 0-12s3-8 0-10M50 46c-3-4 3-8 0-12s3-8 0-10M60 46c-3-4 3-8 0-12s3-8 0-10" fill="none" stroke="#f5a524" stroke-width="3.6" stroke-linecap="round"/></svg>\n`,
);
void mix;
console.log('icons written to public/icons/');
