/**
 * The console stylesheet's colour pairs meet WCAG AA in both colour schemes: 4.5:1 for text,
 * 3:1 for control borders and the focus ring against the page.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CSS = readFileSync(new URL('../../src/console/client/console.css', import.meta.url), 'utf8');

/** `--name: #rrggbb` declarations of the first block after `marker`. */
function palette(marker: string): Map<string, string> {
  const start = CSS.indexOf(marker);
  const block = CSS.slice(start, CSS.indexOf('}', start));
  return new Map(
    [...block.matchAll(/(--[a-z-]+):\s*(#[0-9a-f]{6})\s*;/g)].map((m) => [m[1] as string, m[2] as string]),
  );
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT_PAIRS: [string, string][] = [
  ['--text', '--bg'],
  ['--text', '--surface'],
  ['--muted', '--bg'],
  ['--muted', '--surface'],
  ['--accent', '--bg'],
  ['--accent', '--surface'],
  ['--accent-text', '--accent'],
  ['--danger-text', '--danger'],
  ['--text', '--success-bg'],
  ['--text', '--error-bg'],
  ['--nav-text', '--nav-bg'],
  ['--nav-text', '--nav-current-bg'],
  ['--nav-current-text', '--nav-current-bg'],
];
const UI_PAIRS: [string, string][] = [
  ['--control-border', '--bg'],
  ['--focus', '--bg'],
  ['--focus', '--surface'],
];

describe.each([
  ['light', ':root {'],
  ['dark', '@media (prefers-color-scheme: dark)'],
])('console.css %s scheme', (_scheme, marker) => {
  const colours = palette(marker);
  const colour = (name: string) => {
    const value = colours.get(name);
    if (!value) throw new Error(`${name} is not a #rrggbb colour in this scheme`);
    return value;
  };

  it.each(TEXT_PAIRS)('%s on %s is at least 4.5:1', (fg, bg) => {
    expect(contrast(colour(fg), colour(bg))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(UI_PAIRS)('%s on %s is at least 3:1', (fg, bg) => {
    expect(contrast(colour(fg), colour(bg))).toBeGreaterThanOrEqual(3);
  });
});
