/**
 * A small, strict XML 1.0 reader for tests, on plain JavaScript: it throws on anything that is
 * not well-formed (unbalanced or crossed tags, a bare `<` or `&`, an unknown entity, a
 * duplicate attribute, a character XML cannot carry, text outside the root) and returns the
 * element tree with entities and CDATA decoded. Namespaces are kept as written (`atom:link`).
 * It does not read DTDs; a feed has none.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (entities and CDATA decoded), children's text excluded. */
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ILLEGAL_CHAR = new RegExp(
  [
    '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]',
    '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])',
    '(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
  ].join('|'),
);

/** The index of the first character XML 1.0 cannot carry, or -1. */
export function illegalCharAt(text: string): number {
  return ILLEGAL_CHAR.exec(text)?.index ?? -1;
}

export function parseXml(xml: string): XmlElement {
  const bad = ILLEGAL_CHAR.exec(xml);
  if (bad)
    throw new Error(`character U+${bad[0].charCodeAt(0).toString(16)} at ${bad.index} is not allowed in XML`);
  const p = new Reader(xml);
  p.skipProlog();
  const root = p.element();
  p.skipMisc();
  if (!p.done()) throw new Error(`content after the root element at ${p.pos}`);
  return root;
}

/** The first child named `name`, or an error naming what is missing. */
export function child(el: XmlElement, name: string): XmlElement {
  const found = el.children.find((c) => c.name === name);
  if (!found) throw new Error(`<${el.name}> has no <${name}>`);
  return found;
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

class Reader {
  pos = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.pos >= this.s.length;
  }

  private fail(what: string): never {
    throw new Error(`${what} at ${this.pos}: ${JSON.stringify(this.s.slice(this.pos, this.pos + 30))}`);
  }

  private eat(literal: string): boolean {
    if (!this.s.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  private until(end: string): string {
    const at = this.s.indexOf(end, this.pos);
    if (at < 0) this.fail(`missing ${end}`);
    const out = this.s.slice(this.pos, at);
    this.pos = at + end.length;
    return out;
  }

  private spaces(): void {
    while (/[ \t\r\n]/.test(this.s[this.pos] ?? '')) this.pos++;
  }

  private name(): string {
    const m = NAME.exec(this.s.slice(this.pos, this.pos + 200));
    if (!m) this.fail('expected a name');
    this.pos += m[0].length;
    return m[0];
  }

  skipProlog(): void {
    if (this.eat('<?xml')) this.until('?>');
    this.skipMisc();
    if (this.s.startsWith('<!DOCTYPE', this.pos)) this.fail('DOCTYPE is not supported');
  }

  skipMisc(): void {
    for (;;) {
      this.spaces();
      if (this.eat('<!--')) this.comment();
      else if (this.eat('<?')) this.until('?>');
      else return;
    }
  }

  private comment(): void {
    if (this.until('-->').includes('--')) this.fail('"--" inside a comment');
  }

  element(): XmlElement {
    if (!this.eat('<')) this.fail('expected an element');
    const el: XmlElement = { name: this.name(), attributes: {}, children: [], text: '' };
    for (;;) {
      const before = this.pos;
      this.spaces();
      if (this.eat('/>')) return el;
      if (this.eat('>')) break;
      if (this.pos === before) this.fail('expected a space before an attribute');
      const key = this.name();
      if (key in el.attributes) this.fail(`duplicate attribute ${key}`);
      this.spaces();
      if (!this.eat('=')) this.fail('expected =');
      this.spaces();
      const quote = this.s[this.pos];
      if (quote !== '"' && quote !== "'") this.fail('expected a quoted value');
      this.pos++;
      const raw = this.until(quote);
      if (raw.includes('<')) this.fail('"<" in an attribute value');
      el.attributes[key] = decode(raw, this.pos);
    }
    this.content(el);
    return el;
  }

  private content(el: XmlElement): void {
    for (;;) {
      if (this.done()) this.fail(`<${el.name}> is not closed`);
      if (this.eat('</')) {
        const name = this.name();
        if (name !== el.name) this.fail(`</${name}> closes <${el.name}>`);
        this.spaces();
        if (!this.eat('>')) this.fail('expected >');
        return;
      }
      if (this.eat('<![CDATA[')) el.text += this.until(']]>');
      else if (this.eat('<!--')) this.comment();
      else if (this.eat('<?')) this.until('?>');
      else if (this.s[this.pos] === '<') el.children.push(this.element());
      else {
        const next = this.s.indexOf('<', this.pos);
        const raw = this.s.slice(this.pos, next < 0 ? undefined : next);
        if (raw.includes(']]>')) this.fail('"]]>" in text');
        el.text += decode(raw, this.pos);
        this.pos += raw.length;
      }
    }
  }
}

function decode(raw: string, at: number): string {
  return raw.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare "&" near ${at}`);
    const named = ENTITIES[ref];
    if (named !== undefined) return named;
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!m) throw new Error(`unknown entity ${whole} near ${at}`);
    const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    const ch = String.fromCodePoint(code);
    if (ILLEGAL_CHAR.test(ch) || code === 0)
      throw new Error(`character reference ${whole} is not allowed near ${at}`);
    return ch;
  });
}
