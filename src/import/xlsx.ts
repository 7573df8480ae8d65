/**
 * Excel workbooks (`.xlsx`), read with read-excel-file: the first sheet, its first row the
 * header. A workbook is a zip archive, so it is read whole; spreadsheets are far smaller than
 * the CSV and JSON Lines files that are streamed.
 */
import type { Readable } from 'node:stream';
import { readSheet } from 'read-excel-file/node';
import { headerNames } from './csv.js';
import { asUnreadable, unreadable } from './input.js';
import type { ParsedRow } from './types.js';

type Cell = string | number | boolean | Date | null | undefined;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A cell as the text a CSV export would hold. Excel stores dates as wall-clock values without
 * a zone (read here as UTC): a whole day becomes `YYYY-MM-DD`, a time `YYYY-MM-DDTHH:MM:SS`,
 * which the import reads in the business zone.
 */
function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) {
    const date = `${cell.getUTCFullYear()}-${pad(cell.getUTCMonth() + 1)}-${pad(cell.getUTCDate())}`;
    const h = cell.getUTCHours();
    const m = cell.getUTCMinutes();
    const s = cell.getUTCSeconds();
    return h === 0 && m === 0 && s === 0 ? date : `${date}T${pad(h)}:${pad(m)}:${pad(s)}`;
  }
  return String(cell);
}

async function sheetOf(input: Readable): Promise<Cell[][]> {
  try {
    return (await readSheet(input)) as unknown as Cell[][];
  } catch (error) {
    throw unreadable(
      `the file is not an Excel workbook (.xlsx) that can be read: ${asUnreadable(error).message.replace(/^could not read the input: /, '')}`,
    );
  }
}

// Loaded on demand (parse.ts), which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function* readXlsx(
  input: Readable,
  onHeader?: (columns: readonly string[]) => void,
): AsyncGenerator<ParsedRow> {
  const rows = await sheetOf(input);
  const first = rows.findIndex((row) => row.some((cell) => cellText(cell).trim() !== ''));
  if (first < 0)
    throw unreadable("the workbook's first sheet is empty: it needs a header row such as id,email");
  const header = headerNames(rows[first]?.map(cellText) ?? []);
  onHeader?.(header);
  for (let i = first + 1; i < rows.length; i++) {
    const cells = (rows[i] ?? []).map(cellText);
    if (!cells.some((cell) => cell.trim() !== '')) continue;
    const record = Object.fromEntries(header.map((name, c) => [name, cells[c] ?? '']));
    yield { line: i + 1, record };
  }
}
