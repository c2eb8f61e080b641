import type { AwsResponse } from '../protocol/types.js';

/**
 * A Query-protocol response value. The shared `xmlResponse` turns every array into `<member>`
 * items, which cannot express SNS's attribute maps (`<entry><key/><value/></entry>`), so SNS keeps
 * this small serializer where lists and maps are explicit.
 */
export type XmlValue =
  string | number | boolean | undefined | XmlRepeated | { readonly [tag: string]: XmlValue };

/** Repeats one tag per item, inside the parent element. */
export class XmlRepeated {
  constructor(
    readonly tag: string,
    readonly items: readonly XmlValue[],
  ) {}
}

export const memberList = (items: readonly XmlValue[]) => new XmlRepeated('member', items);

export const entryMap = (map: Readonly<Record<string, string>>) =>
  new XmlRepeated(
    'entry',
    Object.entries(map).map(([key, value]) => ({ key, value })),
  );

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#xD;');
}

function render(tag: string, value: XmlValue): string {
  if (value === undefined) return '';
  return `<${tag}>${inner(value)}</${tag}>`;
}

function inner(value: XmlValue): string {
  if (value === undefined) return '';
  if (value instanceof XmlRepeated) return value.items.map((v) => render(value.tag, v)).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => render(k, v))
      .join('');
  }
  return escapeXml(String(value));
}

export function queryXmlResponse(
  action: string,
  result: Record<string, XmlValue> | undefined,
  requestId: string,
  xmlns: string,
): AwsResponse {
  const resultXml = result === undefined ? '' : render(`${action}Result`, result);
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
      `<${action}Response xmlns="${xmlns}">${resultXml}` +
      `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
      `</${action}Response>`,
  };
}
