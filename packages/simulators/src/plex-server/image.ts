/**
 * Real images for thumbs and `/photo/:/transcode`: a flat colour derived from the source path,
 * so every poster differs, stays the same between runs, and decodes in any client.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';

export type ImageFormat = 'jpeg' | 'png';

export const MAX_SIDE = 2000;

export function colourOf(source: string): { r: number; g: number; b: number } {
  const h = createHash('sha1').update(source).digest();
  // Keep colours away from pure black/white so they are visibly distinct in a grid.
  return { r: 40 + ((h[0] ?? 0) % 176), g: 40 + ((h[1] ?? 0) % 176), b: 40 + ((h[2] ?? 0) % 176) };
}

export async function renderImage(
  source: string,
  width: number,
  height: number,
  format: ImageFormat,
  quality = 80,
): Promise<Uint8Array<ArrayBuffer>> {
  const img = sharp({ create: { width, height, channels: 3, background: colourOf(source) } });
  const buf = format === 'png' ? await img.png().toBuffer() : await img.jpeg({ quality }).toBuffer();
  return new Uint8Array(buf);
}
