/**
 * A POST through node:http rather than fetch, so a webhook receiver sees the headers the real
 * sender (axios in Kuma and Overseerr) sends, in its spelling and order, and nothing fetch adds
 * (`sec-fetch-mode`, `accept-language`, …). Node appends `Host` and `Connection` after them.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostResult {
  status: number;
}

export function postRaw(
  url: string,
  headers: [string, string][],
  body: string | Buffer,
): Promise<PostResult> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const all: Record<string, string> = {};
  for (const [k, v] of headers) all[k] = v;
  all['Content-Length'] = String(data.length);
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'POST', headers: all }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error('webhook timed out')));
    req.on('error', reject);
    req.end(data);
  });
}

/** A `multipart/form-data` body with text fields, as the `form-data` package lays it out. */
export function formData(fields: Record<string, string>): { contentType: string; body: Buffer } {
  let boundary = '--------------------------';
  for (let i = 0; i < 24; i++) boundary += Math.floor(Math.random() * 10).toString(10);
  let text = '';
  for (const [name, value] of Object.entries(fields)) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  text += `--${boundary}--\r\n`;
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(text, 'utf8') };
}
