// HTTP for the fake yt-dlp's generic extractor and downloader, with errors worded like
// yt-dlp 2023.03.04 (urllib underneath) so clients can match the real messages.

import http from 'node:http';
import https from 'node:https';

/** A yt-dlp-style error; `message` is what follows "ERROR: ". */
export class YtError extends Error {}

/** Errors raised by urllib, as yt-dlp renders them in "Unable to download webpage: …". */
export class HttpFailure extends Error {
  /**
   * @param {string} message
   * @param {number} [status]
   * @param {boolean} [unexpected] yt-dlp appends its "please report this issue" text
   */
  constructor(message, status, unexpected = status !== undefined) {
    super(message);
    this.status = status;
    this.unexpected = unexpected;
  }
}

const UA_VERSIONS = [
  '92.0.4515.107',
  '92.0.4515.115',
  '93.0.4577.63',
  '94.0.4606.85',
  '95.0.4638.69',
  '96.0.4664.110',
];

/** yt-dlp picks a random Chrome 9x user agent per run. */
export function randomHeaders() {
  const v = UA_VERSIONS[Math.floor(Math.random() * UA_VERSIONS.length)];
  return {
    'User-Agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Safari/537.36`,
    Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'Accept-Language': 'en-us,en;q=0.5',
    'Sec-Fetch-Mode': 'navigate',
  };
}

/**
 * urllib's wording for a network failure, and whether yt-dlp treats it as unexpected (HTTP-level
 * failures get the bug-report suffix; URLErrors such as a refused connection do not).
 * @param {NodeJS.ErrnoException} error
 * @returns {HttpFailure}
 */
function networkFailure(error) {
  if (error.code === 'ECONNRESET') {
    return new HttpFailure(
      "Remote end closed connection without response (caused by RemoteDisconnected('Remote end closed connection without response'))",
      undefined,
      true,
    );
  }
  if (error.code === 'ETIMEDOUT' || error.code === 'ESOCKETTIMEDOUT') {
    return new HttpFailure("timed out (caused by TimeoutError('timed out'))", undefined, true);
  }
  return new HttpFailure(describeNetworkError(error), undefined, false);
}

/** @param {NodeJS.ErrnoException} error */
function describeNetworkError(error) {
  switch (error.code) {
    case 'ECONNREFUSED':
      return "<urlopen error [Errno 111] Connection refused> (caused by URLError(ConnectionRefusedError(111, 'Connection refused')))";
    case 'ENOTFOUND':
      return "<urlopen error [Errno -2] Name or service not known> (caused by URLError(gaierror(-2, 'Name or service not known')))";
    case 'EAI_AGAIN':
      return "<urlopen error [Errno -3] Temporary failure in name resolution> (caused by URLError(gaierror(-3, 'Temporary failure in name resolution')))";
    case 'EHOSTUNREACH':
      return "<urlopen error [Errno 113] No route to host> (caused by URLError(OSError(113, 'No route to host')))";
    default:
      return `<urlopen error ${error.message}> (caused by URLError(${JSON.stringify(error.message)}))`;
  }
}

/**
 * @typedef {object} OpenResponse
 * @property {string} url          final URL after redirects
 * @property {number} status
 * @property {http.IncomingHttpHeaders} headers
 * @property {http.IncomingMessage} body
 */

/**
 * GET a URL, following redirects. Resolves once headers arrive; rejects with HttpFailure for
 * network errors and HTTP statuses >= 400 (worded like urllib's HTTPError).
 * @param {string} url
 * @param {{ headers?: Record<string, string>, timeoutSeconds?: number, method?: string }} [options]
 * @returns {Promise<OpenResponse>}
 */
export function open(url, options = {}) {
  return openOnce(url, options, 0);
}

/**
 * @param {string} url
 * @param {{ headers?: Record<string, string>, timeoutSeconds?: number, method?: string }} options
 * @param {number} hops
 * @returns {Promise<OpenResponse>}
 */
function openOnce(url, options, hops) {
  return new Promise((resolve, reject) => {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      reject(new HttpFailure(`<urlopen error unknown url type: ${url}>`));
      return;
    }
    const lib = parsed.protocol === 'https:' ? https : http;
    const req = lib.request(
      parsed,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location && hops < 10) {
          res.resume();
          openOnce(new URL(location, url).toString(), options, hops + 1).then(resolve, reject);
          return;
        }
        if (status >= 400) {
          const reason = res.statusMessage ?? '';
          res.resume();
          reject(
            new HttpFailure(
              `HTTP Error ${status}: ${reason} (caused by <HTTPError ${status}: '${reason}'>)`,
              status,
            ),
          );
          return;
        }
        resolve({ url, status, headers: res.headers, body: res });
      },
    );
    req.setTimeout((options.timeoutSeconds ?? 20) * 1000, () => {
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (error) => reject(networkFailure(error)));
    req.end();
  });
}

/**
 * Reads a body fully (bounded, pages are small).
 * @param {http.IncomingMessage} body @param {number} [limit]
 * @returns {Promise<Buffer>}
 */
export async function readAll(body, limit = 8 * 1024 * 1024) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks);
}

/** Last-Modified → Unix seconds, as unified_timestamp does. @param {string | undefined} header */
export function parseHttpDate(header) {
  if (!header) return null;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}
