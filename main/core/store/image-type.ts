/** The image type of stored picture bytes (group images, avatars), read from their signature. */

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * PNG, WebP or JPEG. Anything else is typed as opaque bytes, so a renderer never treats an
 * unexpected document (SVG, HTML) as an image of ours.
 */
export function imageTypeOf(data: Buffer): string {
  if (data.subarray(0, 8).equals(PNG)) return 'image/png';
  if (
    data.subarray(0, 4).toString('latin1') === 'RIFF' &&
    data.subarray(8, 12).toString('latin1') === 'WEBP'
  ) {
    return 'image/webp';
  }
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  return 'application/octet-stream';
}
