import { describe, expect, it } from 'vitest';
import { chooseLocale } from '../../src/outreach/locale.js';
import { pageText, PAGE_LANGUAGES } from '../../src/http/page-text.js';

describe('which variant a customer locale picks', () => {
  const variants = new Set(['de', 'pt', 'pt-BR', 'es']);
  const pick = (requested: string | null) => chooseLocale(requested, variants, 'en-US');

  it('exact, then base language, then the default written in business.locale', () => {
    expect(pick('pt-BR')).toEqual({
      variant: 'pt-BR',
      resolved: 'pt-BR',
      requested: 'pt-BR',
      invalid: false,
    });
    expect(pick('pt-PT')).toMatchObject({ variant: 'pt', resolved: 'pt' });
    expect(pick('de-AT')).toMatchObject({ variant: 'de', resolved: 'de' });
    expect(pick('de_AT')).toMatchObject({ variant: 'de', resolved: 'de', requested: 'de_AT' });
    expect(pick('fr-FR')).toEqual({ variant: '', resolved: 'en-US', requested: 'fr-FR', invalid: false });
    expect(pick(null)).toEqual({ variant: '', resolved: 'en-US', requested: null, invalid: false });
    expect(pick('  ')).toMatchObject({ variant: '', requested: null, invalid: false });
  });

  it('a locale that is none falls back to the default and says so, never throws', () => {
    expect(pick('xx_!!')).toEqual({ variant: '', resolved: 'en-US', requested: 'xx_!!', invalid: true });
    expect(chooseLocale('<script>', new Set(), 'de-DE')).toMatchObject({
      variant: '',
      resolved: 'de-DE',
      invalid: true,
    });
  });
});

describe('the customer pages speak the customer language', () => {
  it('ships en, de, fr, es and pt; picks by base language; English otherwise', () => {
    expect([...PAGE_LANGUAGES].sort()).toEqual(['de', 'en', 'es', 'fr', 'pt']);
    expect(pageText('pt-BR').unsubscribeTitle).toBe('Cancelar inscrição');
    expect(pageText('de_AT').lang).toBe('de');
    expect(pageText('es-MX').lang).toBe('es');
    expect(pageText('FR').lang).toBe('fr');
    expect(pageText('ja-JP').lang).toBe('en');
    expect(pageText('xx_!!').lang).toBe('en');
    expect(pageText(null).lang).toBe('en');
    for (const lang of PAGE_LANGUAGES) {
      const t = pageText(lang);
      expect(t.unsubscribeQuestion).toContain('{email}');
      expect(t.unsubscribed).toContain('{name}');
    }
  });
});
