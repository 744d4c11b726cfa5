/**
 * A tiny XML writer for plex.tv's XML answers. Plex XML carries scalars as attributes and nested
 * objects as child elements, so a JSON-shaped value maps onto it mechanically.
 */

export type Attr = string | number | boolean | null | undefined;

export interface XmlElement {
  name: string;
  attrs: Record<string, Attr>;
  children: XmlElement[];
}

export function el(name: string, attrs: Record<string, Attr> = {}, children: XmlElement[] = []): XmlElement {
  return { name, attrs, children };
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** plex.tv's v1 XML writes booleans as "1"/"0" and leaves nulls out. */
function attrText(value: Attr): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

export function render(node: XmlElement): string {
  const attrs = Object.entries(node.attrs)
    .map(([k, v]) => [k, attrText(v)] as const)
    .filter((kv): kv is readonly [string, string] => kv[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (node.children.length === 0) return `<${node.name}${attrs}/>`;
  return `<${node.name}${attrs}>${node.children.map(render).join('')}</${node.name}>`;
}

export function document(root: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root)}\n`;
}

const singular = (name: string): string =>
  name.endsWith('ies') ? `${name.slice(0, -3)}y` : name.endsWith('s') ? name.slice(0, -1) : name;

/**
 * Converts a JSON value the way plex.tv's v2 XML mirrors its JSON: scalars become attributes,
 * objects child elements, arrays a wrapper element of singular-named children (`connections` →
 * `<connections><connection …/></connections>`), arrays of strings `<feature id="…"/>`.
 */
export function fromJson(name: string, value: unknown): XmlElement {
  if (Array.isArray(value)) {
    const child = singular(name);
    return el(
      name,
      {},
      value.map((v) =>
        typeof v === 'object' && v !== null ? fromJson(child, v) : el(child, { id: v as Attr }),
      ),
    );
  }
  const attrs: Record<string, Attr> = {};
  const children: XmlElement[] = [];
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    if (v === null) attrs[k] = '';
    else if (typeof v === 'object') children.push(fromJson(k, v));
    else attrs[k] = v as Attr;
  }
  return el(name, attrs, children);
}
