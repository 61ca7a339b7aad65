import { createRequire } from 'node:module';

/**
 * XML parsing for SAML metadata and responses with @xmldom/xmldom, the parser node-saml itself
 * uses (so both see the same tree). xmldom never fetches external entities and does not expand
 * entities declared in a DTD, but it does accept a DOCTYPE; SAML messages and metadata never
 * need one, so any DTD is refused before parsing (XXE and entity-expansion guard).
 *
 * The parser is loaded untyped on purpose: xmldom's type declarations pull the whole DOM lib into
 * the monorepo's single TypeScript program. The few DOM members used here are declared below.
 */

export const SAML_NS = {
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  xmldsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

const ELEMENT_NODE = 1;

export interface XmlAttr {
  readonly name: string;
  readonly value: string;
}

export interface XmlNode {
  readonly nodeType: number;
  readonly childNodes: ArrayLike<XmlNode>;
  readonly textContent: string | null;
}

export interface XmlElement extends XmlNode {
  readonly localName: string | null;
  readonly namespaceURI: string | null;
  readonly attributes: ArrayLike<XmlAttr>;
  getAttributeNode(name: string): XmlAttr | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<XmlElement>;
}

interface XmlDocument extends XmlNode {
  readonly documentElement: XmlElement | null;
}

interface XmldomModule {
  DOMParser: new (options: {
    locator?: object;
    errorHandler?: { warning?: (message: string) => void; error?: (message: string) => void; fatalError?: (message: string) => void };
  }) => { parseFromString(source: string, mimeType: string): XmlDocument };
}

const xmldom = createRequire(__filename)('@xmldom/xmldom') as XmldomModule;

/** Why `parseXml` refused a document; callers turn it into their own error type. */
export class XmlRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRefusedError';
  }
}

/**
 * Parses `text` strictly: refuses more than `maxBytes`, any DOCTYPE or ENTITY declaration, and
 * anything xmldom reports (its warnings included: they mean the input was not well-formed).
 */
export function parseXml(text: string, what: string, maxBytes: number): XmlElement {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw new XmlRefusedError(`${what} is ${bytes} bytes, more than the ${maxBytes} accepted`);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new XmlRefusedError(`${what} contains a DOCTYPE or ENTITY declaration; DTDs are refused (external-entity and entity-expansion guard)`);
  }
  const problems: string[] = [];
  const collect = (message: string): void => {
    problems.push(String(message).replace(/\s*@#\[line:.*$/s, '').replace(/^\[xmldom [a-z]+\]\s*/i, ''));
  };
  const document = new xmldom.DOMParser({ locator: {}, errorHandler: { warning: collect, error: collect, fatalError: collect } }).parseFromString(text, 'text/xml');
  if (problems.length > 0) throw new XmlRefusedError(`${what} is not well-formed XML (${problems[0]})`);
  const root = document.documentElement;
  if (!root) throw new XmlRefusedError(`${what} is not XML (no root element)`);
  return root;
}

export function isElement(node: XmlNode): node is XmlElement {
  return node.nodeType === ELEMENT_NODE;
}

/** Direct children of `parent` named `{namespace}localName`; never descendants (wrapping guard). */
export function childElements(parent: XmlElement, namespace: string, localName: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (let i = 0; i < parent.childNodes.length; i++) {
    const node = parent.childNodes[i];
    if (node && isElement(node) && node.localName === localName && node.namespaceURI === namespace) found.push(node);
  }
  return found;
}

export function firstChild(parent: XmlElement, namespace: string, localName: string): XmlElement | undefined {
  return childElements(parent, namespace, localName)[0];
}

/** Every element named `{namespace}localName` anywhere below `root`. */
export function descendants(root: XmlElement, namespace: string, localName: string): XmlElement[] {
  return Array.from(root.getElementsByTagNameNS(namespace, localName));
}

/** An attribute's value, or undefined when absent (xmldom's getAttribute returns '' for both). */
export function attribute(element: XmlElement, name: string): string | undefined {
  return element.getAttributeNode(name)?.value ?? undefined;
}

export function text(element: XmlElement): string {
  return (element.textContent ?? '').trim();
}

export function is(element: XmlElement, namespace: string, localName: string): boolean {
  return element.localName === localName && element.namespaceURI === namespace;
}

/** Every element in the tree, root included. */
export function allElements(root: XmlElement): XmlElement[] {
  const found: XmlElement[] = [];
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const element = stack.pop()!;
    found.push(element);
    for (let i = element.childNodes.length - 1; i >= 0; i--) {
      const node = element.childNodes[i];
      if (node && isElement(node)) stack.push(node);
    }
  }
  return found;
}
