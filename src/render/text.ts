/**
 * Plain-text parts of a message: the subject line and the text alternative derived from html.
 */
import { compile } from 'html-to-text';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g;

/**
 * A subject is one header line. Customer values can hold CR/LF ("Ann\r\nBcc: x@y"): every control
 * character becomes a space, so nothing a customer typed can start a new header.
 */
export function oneLine(value: string): string {
  return value.replace(CONTROL, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Compiled once: html-to-text builds its selector tree per options object. */
const convert = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'a', options: { hideLinkIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
  ],
});

export function htmlToText(html: string): string {
  return convert(html).trim();
}
