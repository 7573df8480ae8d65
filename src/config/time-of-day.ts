/** A wall-clock time `HH:MM` (24-hour) as minutes after midnight, or undefined. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export interface TimeOfDay {
  hour: number;
  minute: number;
}
