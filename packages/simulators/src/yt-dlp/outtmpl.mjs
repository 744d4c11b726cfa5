// yt-dlp output templates (README "OUTPUT TEMPLATE"; YoutubeDL.prepare_outtmpl in 2023.03.04):
// `%(name[.keys][+-n][>strftime][,alt][&replacement][|default])[flags][width][.precision]type`,
// `%%`, missing fields as "NA", and filename sanitization (sanitize_filename) when the template
// names a file. The same evaluator serves `-o`, `--print` and `--progress-template`.

import { pyFloat, pyJson, pyStr } from './pyfmt.mjs';

const EXTERNAL =
  /%(?:%|\((?<key>[^)]*)\)(?<flags>[#0\-+ ]*)(?<width>\d+)?(?<prec>\.\d+)?[hlL]?(?<type>[diouxXeEfFgGcrsljhqBUDS]))/g;

/**
 * @typedef {object} TemplateOptions
 * @property {boolean} [sanitize]      the result is a file name: sanitize every string field
 * @property {boolean} [restricted]    --restrict-filenames
 * @property {string} [na]             --output-na-placeholder (default "NA")
 */

/**
 * Evaluates an output template against an info dict.
 * @param {string} template
 * @param {Record<string, unknown>} info
 * @param {TemplateOptions} [options]
 * @returns {string}
 */
export function evaluateTemplate(template, info, options = {}) {
  const na = options.na ?? 'NA';
  return template.replace(EXTERNAL, (whole, _key, _flags, _width, _prec, _type, _offset, _input, groups) => {
    if (whole === '%%') return '%';
    const g = /** @type {{ key: string, flags?: string, width?: string, prec?: string, type: string }} */ (
      groups
    );
    return formatField(g, info, { ...options, na });
  });
}

/**
 * @param {{ key: string, flags?: string, width?: string, prec?: string, type: string }} g
 * @param {Record<string, unknown>} info
 * @param {TemplateOptions & { na: string }} options
 */
function formatField(g, info, options) {
  const parsed = parseKey(g.key);
  let value;
  let replacement;
  let fallback = options.na;
  /** @type {ParsedKey | undefined} */
  let current = parsed;
  while (current) {
    if (current.defaultValue !== undefined) fallback = current.defaultValue;
    value = lookup(current, info);
    if (options.sanitize && value === '') value = undefined;
    replacement = current.replacement;
    current = value === undefined || value === null ? current.alternate : undefined;
  }
  const flags = g.flags ?? '';
  let type = g.type;
  let width = g.width;
  if (type === 's' && value !== undefined && value !== null) {
    const padTo = compatWidth(parsed.fields, info);
    if (padTo !== undefined) {
      type = 'd';
      width = String(padTo);
      g = { ...g, flags: '0' };
    }
  }
  let out;
  if (value === undefined || value === null) out = fallback;
  else out = replacement ?? value;

  /** @type {string} */
  let text;
  if (type === 'j') text = pyJson(out);
  else if (type === 'l')
    text = Array.isArray(out) ? out.map(pyStr).join(flags.includes('#') ? '\n' : ', ') : pyStr(out);
  else if (type === 'q') text = shellQuote(pyStr(out));
  else if (type === 'h') text = pyStr(out).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  else if (type === 'S') text = sanitizeFilename(pyStr(out), { restricted: flags.includes('#') });
  else if (type === 'U' || type === 'B') text = pyStr(out);
  else if (type === 'D') text = decimalSuffix(Number(out), flags.includes('#') ? 1024 : 1000);
  else if (type === 'c') text = pyStr(out).slice(0, 1);
  else if (type === 's' || type === 'r') text = pyStr(out);
  else {
    const num = typeof out === 'number' ? out : Number.parseFloat(String(out));
    if (out === fallback && (value === undefined || value === null)) text = pyStr(out);
    else if (Number.isNaN(num)) text = pyStr(fallback);
    else text = formatNumber(num, type, g.flags ?? '', g.prec);
  }
  if (options.sanitize && 'csr'.includes(type)) {
    text = sanitizeFilename(text, { restricted: options.restricted });
  }
  if (g.prec && 'sjlqhSUBrc'.includes(type)) text = text.slice(0, Number(g.prec.slice(1)));
  if (width) {
    const w = Number(width);
    const f = g.flags ?? '';
    if (f.includes('-')) text = text.padEnd(w);
    else if (f.includes('0') && /^[+-]?\d/.test(text)) {
      const sign = /^[+-]/.test(text) ? text[0] : '';
      text = sign + text.slice(sign.length).padStart(w - sign.length, '0');
    } else text = text.padStart(w);
  }
  return text;
}

/**
 * playlist_index / autonumber widen to zero-padded numbers like yt-dlp's field_size_compat_map.
 * @param {string} fields @param {Record<string, unknown>} info
 */
function compatWidth(fields, info) {
  if (fields === 'playlist_index') return String(Number(info.__last_playlist_index) || 0).length;
  if (fields === 'playlist_autonumber') return String(Number(info.n_entries) || 0).length;
  if (fields === 'autonumber') return 5;
  return undefined;
}

/**
 * @param {number} num @param {string} type @param {string} flags @param {string | undefined} prec
 */
function formatNumber(num, type, flags, prec) {
  const p = prec ? Number(prec.slice(1)) : undefined;
  let text;
  switch (type) {
    case 'd':
    case 'i':
    case 'u':
      text = String(Math.trunc(num));
      break;
    case 'f':
    case 'F':
      text = num.toFixed(p ?? 6);
      break;
    case 'e':
    case 'E':
      text = num.toExponential(p ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      if (type === 'E') text = text.toUpperCase();
      break;
    case 'g':
    case 'G':
      text = pyFloat(num);
      break;
    case 'x':
      text = Math.trunc(num).toString(16);
      break;
    case 'X':
      text = Math.trunc(num).toString(16).toUpperCase();
      break;
    case 'o':
      text = Math.trunc(num).toString(8);
      break;
    default:
      text = String(num);
  }
  if (flags.includes('+') && num >= 0) text = `+${text}`;
  else if (flags.includes(' ') && num >= 0) text = ` ${text}`;
  return text;
}

/** @param {number} num @param {number} factor */
function decimalSuffix(num, factor) {
  if (Number.isNaN(num) || num < 0) return 'None';
  const suffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  const exponent = num === 0 ? 0 : Math.min(Math.floor(Math.log(num) / Math.log(factor) + 1e-12), 8);
  let suffix = suffixes[exponent] ?? '';
  if (factor === 1024) suffix = suffix === 'k' ? 'Ki' : suffix ? `${suffix}i` : '';
  return `${Math.trunc(num / factor ** exponent)}${suffix}`;
}

/** @param {string} s */
function shellQuote(s) {
  if (s === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

/**
 * @typedef {object} ParsedKey
 * @property {boolean} negate
 * @property {string} fields
 * @property {Array<{ op: '+' | '-', operand: string }>} maths
 * @property {string | undefined} strf
 * @property {ParsedKey | undefined} alternate
 * @property {string | undefined} replacement
 * @property {string | undefined} defaultValue
 */

/**
 * Splits a key like `upload_date>%Y-%m-%d,timestamp>%Y&x|dflt` into its parts.
 * @param {string} key
 * @returns {ParsedKey}
 */
export function parseKey(key) {
  let rest = key;
  const negate = rest.startsWith('-');
  if (negate) rest = rest.slice(1);
  const fieldMatch = /^[\w.]*(?:\.\{[\w.,]*\})?/.exec(rest);
  const fields = fieldMatch ? fieldMatch[0] : '';
  rest = rest.slice(fields.length);
  /** @type {ParsedKey['maths']} */
  const maths = [];
  let m = /^([+-])(-?\d+(?:\.\d+)?|[\w.]+)/.exec(rest);
  while (m) {
    maths.push({ op: /** @type {'+' | '-'} */ (m[1]), operand: /** @type {string} */ (m[2]) });
    rest = rest.slice(m[0].length);
    m = /^([+-])(-?\d+(?:\.\d+)?|[\w.]+)/.exec(rest);
  }
  let strf;
  if (rest.startsWith('>')) {
    const end = findUnescaped(rest, 1, ',&|');
    strf = rest.slice(1, end).replaceAll('\\,', ',');
    rest = rest.slice(end);
  }
  let alternate;
  let replacement;
  let defaultValue;
  if (rest.startsWith(',')) {
    const end = findUnescaped(rest, 1, '&|');
    const altText = rest.slice(1, end);
    rest = rest.slice(end);
    // The alternate carries the remaining replacement/default with it, as in yt-dlp.
    alternate = parseKey(altText + rest);
  }
  if (rest.startsWith('&')) {
    const end = rest.indexOf('|');
    replacement = end === -1 ? rest.slice(1) : rest.slice(1, end);
    rest = end === -1 ? '' : rest.slice(end);
  }
  if (rest.startsWith('|')) defaultValue = rest.slice(1);
  return { negate, fields, maths, strf, alternate, replacement, defaultValue };
}

/** @param {string} s @param {number} from @param {string} stops */
function findUnescaped(s, from, stops) {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (stops.includes(/** @type {string} */ (s[i]))) return i;
  }
  return s.length;
}

/**
 * @param {ParsedKey} key
 * @param {Record<string, unknown>} info
 * @returns {unknown}
 */
function lookup(key, info) {
  /** @type {unknown} */
  let value = traverse(info, key.fields);
  if (key.negate) {
    const n = toNumber(value);
    value = n === undefined ? undefined : -n;
  }
  for (const { op, operand } of key.maths) {
    const base = toNumber(value);
    const delta = /^-?\d/.test(operand) ? Number(operand) : toNumber(traverse(info, operand));
    if (base === undefined || delta === undefined) return undefined;
    value = op === '+' ? base + delta : base - delta;
  }
  if (key.strf !== undefined) value = strftime(value, key.strf);
  return value;
}

/** @param {unknown} v */
function toNumber(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

/**
 * @param {unknown} root @param {string} path
 * @returns {unknown}
 */
function traverse(root, path) {
  if (path === '') return undefined;
  /** @type {unknown} */
  let node = root;
  for (const part of path.split('.')) {
    if (part === '') continue;
    if (node === null || node === undefined) return undefined;
    if (Array.isArray(node) || typeof node === 'string') {
      const index = Number(part);
      if (!Number.isInteger(index)) return undefined;
      node = node.at(index);
    } else if (typeof node === 'object') {
      node = /** @type {Record<string, unknown>} */ (node)[part];
    } else return undefined;
  }
  return node;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * strftime_or_none: numbers are UTC timestamps, strings are YYYYMMDD.
 * @param {unknown} value @param {string} format
 * @returns {string | undefined}
 */
export function strftime(value, format) {
  /** @type {Date | undefined} */
  let date;
  if (typeof value === 'number') date = new Date(value * 1000);
  else if (typeof value === 'string' && /^\d{8}$/.test(value)) {
    date = new Date(
      Date.UTC(Number(value.slice(0, 4)), Number(value.slice(4, 6)) - 1, Number(value.slice(6, 8))),
    );
  }
  if (!date || Number.isNaN(date.getTime())) return undefined;
  const d = date;
  const p = (/** @type {number} */ n, w = 2) => String(n).padStart(w, '0');
  return format.replace(/%(.)/g, (_, c) => {
    switch (c) {
      case 'Y':
        return String(d.getUTCFullYear());
      case 'y':
        return p(d.getUTCFullYear() % 100);
      case 'm':
        return p(d.getUTCMonth() + 1);
      case 'd':
        return p(d.getUTCDate());
      case 'H':
        return p(d.getUTCHours());
      case 'M':
        return p(d.getUTCMinutes());
      case 'S':
        return p(d.getUTCSeconds());
      case 'B':
        return MONTHS[d.getUTCMonth()] ?? '';
      case 'b':
        return (MONTHS[d.getUTCMonth()] ?? '').slice(0, 3);
      case 'A':
        return DAYS[d.getUTCDay()] ?? '';
      case 'a':
        return (DAYS[d.getUTCDay()] ?? '').slice(0, 3);
      case 'j': {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        return p(Math.floor((d.getTime() - start) / 86_400_000) + 1, 3);
      }
      case 's':
        return String(Math.floor(d.getTime() / 1000));
      case '%':
        return '%';
      default:
        return `%${c}`;
    }
  });
}

const ACCENTS_FROM = 'ÂÃÄÀÁÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖŐØŒÙÚÛÜŰÝÞßàáâãäåæçèéêëìíîïðñòóôõöőøœùúûüűýþÿ';
const ACCENTS_TO = [
  ...'AAAAAA',
  'AE',
  ...'CEEEEIIIIDNOOOOOOO',
  'OE',
  ...'UUUUUY',
  'TH',
  'ss',
  ...'aaaaaa',
  'ae',
  ...'ceeeeiiiionooooooo',
  'oe',
  ...'uuuuuy',
  'th',
  'y',
];
/** @type {Map<string, string>} */
const ACCENT_CHARS = new Map([...ACCENTS_FROM].map((c, i) => [c, /** @type {string} */ (ACCENTS_TO[i])]));

/**
 * A port of yt_dlp.utils.sanitize_filename (2023.03.04, default "new" rules).
 * @param {string} s
 * @param {{ restricted?: boolean }} [options]
 */
export function sanitizeFilename(s, options = {}) {
  const restricted = options.restricted === true;
  if (s === '') return '';
  /** @param {string} char */
  const replaceInsane = (char) => {
    const code = /** @type {number} */ (char.codePointAt(0));
    if (restricted && ACCENT_CHARS.has(char)) return /** @type {string} */ (ACCENT_CHARS.get(char));
    if (!restricted && char === '\n') return '\0 ';
    if (!restricted && '"*:<>?|/\\'.includes(char)) {
      if (char === '/') return '\u29F8';
      if (char === '\\') return '\u29f9';
      return String.fromCodePoint(code + 0xfee0);
    }
    if (char === '?' || code < 32 || code === 127) return '';
    if (char === '"') return restricted ? '' : "'";
    if (char === ':') return restricted ? '\0_\0-' : '\0 \0-';
    if ('\\/|*<>'.includes(char)) return '\0_';
    if (restricted && ("!&'()[]{}$;`^,#".includes(char) || /\s/u.test(char) || code > 127)) return '\0_';
    return char;
  };
  let input = s;
  if (restricted) input = input.normalize('NFKC');
  input = input.replace(/[0-9]+(?::[0-9]+)+/g, (m) => m.replaceAll(':', '_'));
  let result = [...input].map(replaceInsane).join('');
  result = result.replace(/(\0.)(?:(?=\1)..)+/gsu, '$1');
  const strip = '(?:\\0.|[ _-])*';
  result = result.replace(new RegExp(`^\\0.${strip}|${strip}\\0.$`, 'gsu'), '');
  result = result.replaceAll('\0', '') || '_';
  while (result.includes('__')) result = result.replaceAll('__', '_');
  result = result.replace(/^_+|_+$/g, '');
  if (restricted && result.startsWith('-_')) result = result.slice(2);
  if (result.startsWith('-')) result = `_${result.slice(1)}`;
  result = result.replace(/^\.+/, '');
  return result || '_';
}
