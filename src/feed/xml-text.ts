/**
 * Text that XML 1.0 can carry. XML has no escape for most C0 control characters, U+FFFE,
 * U+FFFF or unpaired surrogates: one of them makes the whole document ill-formed, and feed
 * readers then drop the feed. They are removed from every string before it reaches the feed.
 * Imports already refuse control characters; this also covers rows written any other way.
 */

// Built from code points so the source file itself holds no control characters.
const ILLEGAL = new RegExp(
  [
    '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]',
    '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])',
    '(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]',
  ].join('|'),
  'g',
);

/** `text` without the characters XML 1.0 cannot represent; tabs and line breaks are kept. */
export function xmlText(text: string): string {
  return text.replace(ILLEGAL, '');
}
