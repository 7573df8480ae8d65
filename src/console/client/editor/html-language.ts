/**
 * HTML highlighting for email templates: the HTML grammar with CSS inside <style> and style="".
 * Not @codemirror/lang-html, which always bundles a JavaScript parser (~80 KB) for <script>,
 * something an email never runs.
 */
import { LanguageSupport, LRLanguage } from '@codemirror/language';
import { parser as cssParser } from '@lezer/css';
import { configureNesting, parser as htmlParser } from '@lezer/html';

const language = LRLanguage.define({
  name: 'html',
  parser: htmlParser.configure({
    wrap: configureNesting(
      [{ tag: 'style', parser: cssParser }],
      [{ name: 'style', parser: cssParser.configure({ top: 'Styles' }) }],
    ),
  }),
  languageData: { commentTokens: { block: { open: '<!--', close: '-->' } } },
});

export function emailHtml(): LanguageSupport {
  return new LanguageSupport(language);
}
