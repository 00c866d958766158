/** Reads the text of a QR code in a picture, here in the page (jsqr on a canvas); nothing leaves. */
import * as jsqrModule from 'jsqr';
import type { Options, QRCode } from 'jsqr';

type Decode = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: Options,
) => QRCode | null;
// jsqr is CommonJS with an `exports.default`: bundlers and TypeScript see it differently.
const loaded = jsqrModule as unknown as { default: Decode | { default: Decode } };
const decode: Decode =
  typeof loaded.default === 'function' ? loaded.default : loaded.default.default;

const MAX_SIDE = 1600;

export async function readQrCode(image: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(image);
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) return null;
    // A white ground: transparent pictures (screenshots of a QR code) read as light.
    context.fillStyle = '#fff';
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height);
    return decode(pixels.data, width, height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
  } finally {
    bitmap.close();
  }
}

/** The first picture among pasted or dropped files. */
export function firstImage(files: FileList | null | undefined): File | null {
  for (const file of files ?? []) if (file.type.startsWith('image/')) return file;
  return null;
}
