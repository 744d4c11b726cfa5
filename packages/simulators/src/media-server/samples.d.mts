export interface Samples {
  /** Cache directory holding every file below. */
  dir: string;
  /** 3 s 320x240 H.264/AAC mp4. */
  clipOne: string;
  clipTwo: string;
  /** Same recipe, with a space in its file name. */
  clipThree: string;
  /** 8 s 640x360 mp4, about 1.5 MB. */
  big: string;
  /** 320x240 PNG frame. */
  poster: string;
  /** 480x360 JPEG frame. */
  thumbnail: string;
  /** 480x360 WebP frame (YouTube's usual thumbnail format). */
  thumbnailWebp: string;
  /** clipOne's video stream only (mp4) and audio stream only (m4a). */
  clipVideo: string;
  clipAudio: string;
  /** big's video stream only (mp4) and audio stream only (m4a). */
  bigVideo: string;
  bigAudio: string;
  /** False when the committed fallbacks were used because ffmpeg is missing. */
  generated: boolean;
}
export function ensureSamples(options?: { cacheDir?: string }): Promise<Samples>;
export function defaultCacheDir(): string;
export function hasFfmpeg(): Promise<boolean>;
export function run(file: string, args: string[]): Promise<string>;
