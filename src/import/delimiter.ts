/**
 * Which character separates a CSV file's values: `,`, `;` (spreadsheets in locales where the
 * comma is the decimal mark) or a tab. Read from the header line, outside quotes: the
 * candidate that occurs most wins, a comma on a tie or when none occurs.
 */

const CANDIDATES = [',', ';', '\t'] as const;

/** How much of the file is looked at to find the end of the header line. */
const SNIFF_LIMIT = 64 * 1024;

function delimiterOf(headerLine: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  for (const c of CANDIDATES) if ((counts.get(c) ?? 0) > (counts.get(best) ?? 0)) best = c;
  return best;
}

/** The delimiter, and the same bytes again (those read to find it first). */
export async function sniffDelimiter(
  bytes: AsyncIterable<Buffer>,
): Promise<{ delimiter: string; bytes: AsyncIterable<Buffer> }> {
  const iterator = bytes[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let text = '';
  while (size < SNIFF_LIMIT) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    size += next.value.length;
    text = Buffer.concat(head).toString('utf8');
    if (/[\r\n]/.test(text)) break;
  }
  const firstLine = text.split(/\r\n|\r|\n/)[0] ?? '';
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { delimiter: delimiterOf(firstLine), bytes: replay() };
}
