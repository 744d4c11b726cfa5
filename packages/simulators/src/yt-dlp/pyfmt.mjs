// Python-compatible formatting for the fake yt-dlp: the byte/time/percent strings of
// yt_dlp/downloader/common.py and json.dumps output (", " / ": " separators, ASCII escapes,
// floats that keep their ".0"), so a parser written against the real tool sees identical shapes.

/** Keys whose values are Python floats in yt-dlp output even when integral (e.g. `timestamp`). */
const FLOAT_KEYS = new Set(['timestamp', 'elapsed', 'speed', 'tbr', 'vbr', 'abr', 'aspect_ratio']);

/**
 * Python's float repr: shortest round-trip digits, scientific when exponent < -4 or >= 16.
 * @param {number} n
 */
export function pyFloat(n) {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa = '0', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const text = String(n);
  return text.includes('.') || text.includes('e') ? text : `${text}.0`;
}

/** @param {string} s */
function pyJsonString(s) {
  let out = '"';
  for (const ch of s) {
    const code = /** @type {number} */ (ch.codePointAt(0));
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xffff))
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code > 0xffff) {
      const v = code - 0x10000;
      out += `\\u${(0xd800 + (v >> 10)).toString(16)}\\u${(0xdc00 + (v & 0x3ff)).toString(16)}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * json.dumps(value) as Python prints it (ensure_ascii=True, default separators).
 * @param {unknown} value
 * @param {string} [key] the key this value sits under, to spot Python floats
 * @returns {string}
 */
export function pyJson(value, key) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (key && FLOAT_KEYS.has(key)) return pyFloat(value);
    return Number.isInteger(value) ? String(value) : pyFloat(value);
  }
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyJson(v)).join(', ')}]`;
  if (typeof value === 'object') {
    const parts = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${pyJsonString(k)}: ${pyJson(v, k)}`);
    return `{${parts.join(', ')}}`;
  }
  return pyJsonString(String(value));
}

/**
 * str(value) as Python would print it inside an output template.
 * @param {unknown} value
 * @returns {string}
 */
export function pyStr(value) {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === 'string') return value;
  return pyRepr(value);
}

/** @param {unknown} value @returns {string} */
function pyRepr(value) {
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return pyStr(value);
}

/**
 * format_bytes: `%.2f` with a binary suffix, or "N/A".
 * @param {number | null | undefined} bytes
 */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes) || bytes < 0) return 'N/A';
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];
  const exponent = bytes === 0 ? 0 : Math.min(Math.floor(Math.log(bytes) / Math.log(1024) + 1e-12), 8);
  return `${(bytes / 1024 ** exponent).toFixed(2)}${suffixes[exponent]}B`;
}

/** @param {number | null | undefined} seconds */
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return ' Unknown';
  const total = Math.floor(seconds);
  const hours = Math.floor(total / 3600);
  if (hours > 99) return '--:--:--';
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  return `${pad2(hours)}:${pad2(mm)}:${pad2(ss)}`;
}

/** format_eta, already stripped as report_progress does. @param {number | null | undefined} seconds */
export function formatEta(seconds) {
  const text = formatSeconds(seconds);
  return (text.startsWith('00:') ? text.slice(3) : text).trim();
}

/** @param {number | null | undefined} percent */
export function formatPercent(percent) {
  return percent === null || percent === undefined ? '  N/A%' : `${percent.toFixed(1).padStart(5)}%`;
}

/** @param {number | null | undefined} speed */
export function formatSpeed(speed) {
  return speed === null || speed === undefined ? ' Unknown B/s' : `${formatBytes(speed).padStart(10)}/s`;
}

/** `f'{format_bytes(n):>10s}'` @param {number | null | undefined} n */
export function bytes10(n) {
  return formatBytes(n).padStart(10);
}

/** @param {number} n */
function pad2(n) {
  return String(n).padStart(2, '0');
}

/**
 * Parses a rate like "2M", "500K", "1.5m", "100000" into bytes per second (factor 1024), as
 * yt-dlp's parse_bytes does. Undefined when unparsable.
 * @param {string} text
 */
export function parseBytes(text) {
  const m = /^(\d+(?:\.\d+)?)([kKmMgGtTpPeEzZyY]?)$/.exec(text.trim());
  if (!m) return undefined;
  const power = 'bkmgtpezy'.indexOf((m[2] || 'b').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}
