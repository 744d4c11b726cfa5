/**
 * PMS answers XML unless the client sends `Accept: application/json`, so a client that forgets
 * the header must fail here as it would against a real server. The XML mirrors the JSON: scalars
 * are attributes, and `Metadata[]` items become `<Video>` (movies, episodes) or `<Directory>`
 * (shows, seasons, collections) elements as python-plexapi expects.
 */
import { type Attr, document, el, type XmlElement } from '../plex-tv/xml.ts';

const VIDEO_TYPES = new Set(['movie', 'episode', 'clip']);

function elementName(key: string, item: Record<string, unknown>): string {
  if (key !== 'Metadata') return key;
  return VIDEO_TYPES.has(String(item.type)) ? 'Video' : 'Directory';
}

function toElement(name: string, value: Record<string, unknown>): XmlElement {
  const attrs: Record<string, Attr> = {};
  const children: XmlElement[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v as Record<string, unknown>[])
        children.push(toElement(elementName(key, item), item));
    } else if (typeof v === 'object') {
      children.push(toElement(key, v as Record<string, unknown>));
    } else {
      attrs[key] = v as Attr;
    }
  }
  return el(name, attrs, children);
}

export function mediaContainerXml(body: Record<string, unknown>): string {
  return document(toElement('MediaContainer', body));
}
