/**
 * RFC 822-style field blocks, as in message/delivery-status (RFC 3464), message/feedback-report
 * (RFC 5965) and text/rfc822-headers parts: `Name: value` lines, folded lines joined, blocks
 * separated by blank lines. Names are lower-cased; the first of a repeated name wins.
 */
export type Fields = Map<string, string>;

export function parseFieldBlocks(text: string): Fields[] {
  const blocks: Fields[] = [];
  let current: Fields = new Map();
  let last: string | null = null;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) blocks.push(current);
      current = new Map();
      last = null;
    } else if (/^[ \t]/.test(line) && last !== null) {
      current.set(last, `${current.get(last) ?? ''} ${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      last = name;
      if (!current.has(name)) current.set(name, line.slice(colon + 1).trim());
      else last = null;
    }
  }
  if (current.size > 0) blocks.push(current);
  return blocks;
}

/** Every value of a header named `name` in a text that quotes headers (a plain-text bounce). */
export function quotedHeaderValues(text: string, name: string): string[] {
  const escaped = name.replace(/[-]/g, '\\-');
  const pattern = new RegExp(`^[ \\t>]*${escaped}:[ \\t]*(.+)$`, 'gim');
  return [...text.matchAll(pattern)].map((m) => (m[1] ?? '').trim());
}
