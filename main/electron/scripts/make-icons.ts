/**
 * Draws Estafette's icon — a relay baton in a speech bubble on indigo — and writes every format
 * the app and its installers need: resources/icon.svg + icon.png (512) and tray icons,
 * build/icons/NxN.png (Linux), build/icon.ico (Windows), build/icon.icns (macOS). Pure Node:
 * shapes are sampled 4×4 per pixel and encoded by the PNG, ICO and ICNS writers below.
 * Run: `node main/electron/scripts/make-icons.ts`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];
type Point = readonly [number, number];

const root = path.resolve(import.meta.dirname, '..', '..', '..');

// The drawing, on a 1024 × 1024 canvas.
const BG = { x0: 64, y0: 64, x1: 960, y1: 960, r: 200, from: '#6366F1', to: '#4338CA' };
const BUBBLE = { x0: 216, y0: 248, x1: 808, y1: 688, r: 128, color: '#FFFFFF' };
const TAIL: readonly Point[] = [
  [300, 640],
  [470, 640],
  [262, 830],
];
const BATON = { a: [372, 552] as Point, b: [652, 384] as Point, r: 58, color: '#4F46E5' };
const BAND = { t0: 0.56, t1: 0.74, color: '#A5B4FC' };
const DOT = { cx: 860, cy: 164, r: 150, ring: 40, color: '#F43F5E' };

function hex(color: string): Rgba {
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 255];
}

function inRoundRect(x: number, y: number, s: typeof BG | typeof BUBBLE): boolean {
  if (x < s.x0 || x > s.x1 || y < s.y0 || y > s.y1) return false;
  const cx = Math.min(Math.max(x, s.x0 + s.r), s.x1 - s.r);
  const cy = Math.min(Math.max(y, s.y0 + s.r), s.y1 - s.r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= s.r ** 2;
}

function inTriangle(x: number, y: number, [a, b, c]: readonly Point[]): boolean {
  if (a === undefined || b === undefined || c === undefined) return false;
  const side = (p: Point, q: Point) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const d1 = side(a, b);
  const d2 = side(b, c);
  const d3 = side(c, a);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}

/** Position along the baton's axis (0 at a, 1 at b) and distance from it. */
function batonCoords(x: number, y: number): { t: number; dist: number } {
  const [ax, ay] = BATON.a;
  const [bx, by] = BATON.b;
  const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
  const t = ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / len2;
  const c = Math.min(Math.max(t, 0), 1);
  return { t, dist: Math.hypot(x - (ax + c * (bx - ax)), y - (ay + c * (by - ay))) };
}

/** The colour of one point of the icon; `unread` adds the notification dot. */
function colorAt(x: number, y: number, unread: boolean): Rgba {
  let color: Rgba = [0, 0, 0, 0];
  if (inRoundRect(x, y, BG)) {
    const f = (x - BG.x0 + (y - BG.y0)) / (2 * (BG.x1 - BG.x0));
    const [r1, g1, b1] = hex(BG.from);
    const [r2, g2, b2] = hex(BG.to);
    color = [r1 + (r2 - r1) * f, g1 + (g2 - g1) * f, b1 + (b2 - b1) * f, 255];
  }
  if (inRoundRect(x, y, BUBBLE) || inTriangle(x, y, TAIL)) color = hex(BUBBLE.color);
  const { t, dist } = batonCoords(x, y);
  if (dist <= BATON.r) color = t >= BAND.t0 && t <= BAND.t1 ? hex(BAND.color) : hex(BATON.color);
  if (unread) {
    const d = Math.hypot(x - DOT.cx, y - DOT.cy);
    if (d <= DOT.r) color = d > DOT.r - DOT.ring ? [255, 255, 255, 255] : hex(DOT.color);
  }
  return color;
}

/** Rasterise the icon at `size` pixels (straight RGBA, 4 × 4 samples per pixel). */
function render(size: number, unread = false): Buffer {
  const n = 4;
  const scale = 1024 / size;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const [cr, cg, cb, ca] = colorAt(
            (px + (sx + 0.5) / n) * scale,
            (py + (sy + 0.5) / n) * scale,
            unread,
          );
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const o = (py * size + px) * 4;
      pixels[o] = a === 0 ? 0 : Math.round(r / a);
      pixels[o + 1] = a === 0 ? 0 : Math.round(g / a);
      pixels[o + 2] = a === 0 ? 0 : Math.round(b / a);
      pixels[o + 3] = Math.round(a / (n * n));
    }
  }
  return pixels;
}

function png(size: number, rgba: Buffer): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++)
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An ICO file whose images are PNGs (Windows Vista and later). */
function ico(images: ReadonlyMap<number, Buffer>): Buffer {
  const head = Buffer.alloc(6 + 16 * images.size);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(images.size, 4);
  let offset = head.length;
  let i = 0;
  for (const [size, data] of images) {
    const e = 6 + 16 * i++;
    head[e] = size >= 256 ? 0 : size;
    head[e + 1] = size >= 256 ? 0 : size;
    head.writeUInt16LE(1, e + 4);
    head.writeUInt16LE(32, e + 6);
    head.writeUInt32LE(data.length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += data.length;
  }
  return Buffer.concat([head, ...images.values()]);
}

/** An ICNS file of PNG entries (OSType → image). */
function icns(entries: ReadonlyArray<readonly [string, Buffer]>): Buffer {
  const parts = entries.map(([type, data]) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([h, data]);
  });
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'ascii');
  h.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4);
  return Buffer.concat([h, ...parts]);
}

function svg(): string {
  const [a, b] = [BATON.a, BATON.b];
  const at = (t: number) =>
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t].map((v) => v.toFixed(1));
  const [bx0, by0] = at(BAND.t0);
  const [bx1, by1] = at(BAND.t1);
  const w = BUBBLE.x1 - BUBBLE.x0;
  const h = BUBBLE.y1 - BUBBLE.y0;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024" width="512" height="512">
  <title>Estafette</title>
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${BG.from}"/>
      <stop offset="1" stop-color="${BG.to}"/>
    </linearGradient>
  </defs>
  <rect x="${BG.x0}" y="${BG.y0}" width="${BG.x1 - BG.x0}" height="${BG.y1 - BG.y0}" rx="${BG.r}" fill="url(#bg)"/>
  <rect x="${BUBBLE.x0}" y="${BUBBLE.y0}" width="${w}" height="${h}" rx="${BUBBLE.r}" fill="${BUBBLE.color}"/>
  <path d="M${TAIL.map((p) => p.join(' ')).join(' L')} Z" fill="${BUBBLE.color}"/>
  <line x1="${a[0]}" y1="${a[1]}" x2="${b[0]}" y2="${b[1]}" stroke="${BATON.color}" stroke-width="${2 * BATON.r}" stroke-linecap="round"/>
  <line x1="${bx0}" y1="${by0}" x2="${bx1}" y2="${by1}" stroke="${BAND.color}" stroke-width="${2 * BATON.r}"/>
</svg>
`;
}

async function write(relative: string, data: Buffer | string): Promise<void> {
  const file = path.join(root, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
}

async function main(): Promise<void> {
  const pngs = new Map<number, Buffer>();
  for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
    pngs.set(size, png(size, render(size)));
  }
  const at = (size: number): Buffer => {
    const p = pngs.get(size);
    if (p === undefined) throw new Error(`no ${size} px image`);
    return p;
  };
  await write('resources/icon.svg', svg());
  await write('resources/icon.png', at(512));
  await write('resources/tray.png', at(16));
  await write('resources/tray@2x.png', at(32));
  await write('resources/tray-unread.png', png(16, render(16, true)));
  await write('resources/tray-unread@2x.png', png(32, render(32, true)));
  for (const [size, data] of pngs) await write(`build/icons/${size}x${size}.png`, data);
  await write('build/icon.png', at(1024));
  await write(
    'build/icon.ico',
    ico(new Map([16, 24, 32, 48, 64, 128, 256].map((s) => [s, at(s)]))),
  );
  await write(
    'build/icon.icns',
    icns([
      ['icp4', at(16)],
      ['icp5', at(32)],
      ['icp6', at(64)],
      ['ic07', at(128)],
      ['ic08', at(256)],
      ['ic09', at(512)],
      ['ic10', at(1024)],
      ['ic11', at(32)],
      ['ic12', at(64)],
      ['ic13', at(256)],
      ['ic14', at(512)],
    ]),
  );
  console.log('Icons written to resources/ and build/.');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
