/**
 * The customer pages' words in the languages Rapport ships. A customer's locale picks its base
 * language (pt-BR → pt); any other language gets English. Placeholders get escaped values.
 */
import { shippedLanguage } from '../render/audience.js';

export interface PageText {
  lang: string;
  unsubscribeTitle: string;
  /** {name}, {email} */
  unsubscribeQuestion: string;
  unsubscribeNote: string;
  unsubscribeButton: string;
  preferencesTitle: string;
  /** {name}, {email} */
  preferencesIntro: string;
  saveButton: string;
  unsubscribeAllButton: string;
  doneTitle: string;
  /** {name} */
  unsubscribed: string;
  saved: string;
  notFoundTitle: string;
  notFound: string;
}

const en: PageText = {
  lang: 'en',
  unsubscribeTitle: 'Unsubscribe',
  unsubscribeQuestion: "Stop {name}'s newsletters and greetings to <strong>{email}</strong>?",
  unsubscribeNote: 'Receipts and messages about your orders will still reach you.',
  unsubscribeButton: 'Unsubscribe',
  preferencesTitle: 'Email preferences',
  preferencesIntro: 'Choose what {name} sends to <strong>{email}</strong>.',
  saveButton: 'Save my choices',
  unsubscribeAllButton: 'Unsubscribe from everything',
  doneTitle: 'Done',
  unsubscribed: 'You are unsubscribed. {name} will not send you newsletters or greetings any more.',
  saved: 'Your choices are saved.',
  notFoundTitle: 'Link not valid',
  notFound: 'This link is not valid or has expired. Please use the link in a recent email.',
};

const de: PageText = {
  lang: 'de',
  unsubscribeTitle: 'Abmelden',
  unsubscribeQuestion: 'Newsletter und Grüße von {name} an <strong>{email}</strong> abbestellen?',
  unsubscribeNote: 'Belege und Nachrichten zu Ihren Bestellungen erhalten Sie weiterhin.',
  unsubscribeButton: 'Abmelden',
  preferencesTitle: 'E-Mail-Einstellungen',
  preferencesIntro: 'Wählen Sie, was {name} an <strong>{email}</strong> sendet.',
  saveButton: 'Auswahl speichern',
  unsubscribeAllButton: 'Von allem abmelden',
  doneTitle: 'Erledigt',
  unsubscribed: 'Sie sind abgemeldet. {name} sendet Ihnen keine Newsletter oder Grüße mehr.',
  saved: 'Ihre Auswahl ist gespeichert.',
  notFoundTitle: 'Link ungültig',
  notFound:
    'Dieser Link ist ungültig oder abgelaufen. Bitte verwenden Sie den Link in einer aktuellen E-Mail.',
};

const fr: PageText = {
  lang: 'fr',
  unsubscribeTitle: 'Se désabonner',
  unsubscribeQuestion:
    'Ne plus recevoir les lettres d’information et les vœux de {name} à <strong>{email}</strong> ?',
  unsubscribeNote: 'Les reçus et les messages concernant vos commandes vous parviendront toujours.',
  unsubscribeButton: 'Se désabonner',
  preferencesTitle: 'Préférences e-mail',
  preferencesIntro: 'Choisissez ce que {name} envoie à <strong>{email}</strong>.',
  saveButton: 'Enregistrer mes choix',
  unsubscribeAllButton: 'Se désabonner de tout',
  doneTitle: 'C’est fait',
  unsubscribed: 'Vous êtes désabonné. {name} ne vous enverra plus de lettres d’information ni de vœux.',
  saved: 'Vos choix sont enregistrés.',
  notFoundTitle: 'Lien non valide',
  notFound: 'Ce lien n’est pas valide ou a expiré. Veuillez utiliser le lien d’un e-mail récent.',
};

const es: PageText = {
  lang: 'es',
  unsubscribeTitle: 'Darse de baja',
  unsubscribeQuestion:
    '¿Dejar de recibir los boletines y felicitaciones de {name} en <strong>{email}</strong>?',
  unsubscribeNote: 'Seguirás recibiendo los recibos y los mensajes sobre tus pedidos.',
  unsubscribeButton: 'Darse de baja',
  preferencesTitle: 'Preferencias de correo',
  preferencesIntro: 'Elige qué te envía {name} a <strong>{email}</strong>.',
  saveButton: 'Guardar mis preferencias',
  unsubscribeAllButton: 'Darse de baja de todo',
  doneTitle: 'Hecho',
  unsubscribed: 'Te has dado de baja. {name} ya no te enviará boletines ni felicitaciones.',
  saved: 'Tus preferencias se han guardado.',
  notFoundTitle: 'Enlace no válido',
  notFound: 'Este enlace no es válido o ha caducado. Usa el enlace de un correo reciente.',
};

const pt: PageText = {
  lang: 'pt',
  unsubscribeTitle: 'Cancelar inscrição',
  unsubscribeQuestion:
    'Deixar de receber as newsletters e felicitações de {name} em <strong>{email}</strong>?',
  unsubscribeNote: 'Recibos e mensagens sobre os seus pedidos continuarão a chegar.',
  unsubscribeButton: 'Cancelar inscrição',
  preferencesTitle: 'Preferências de e-mail',
  preferencesIntro: 'Escolha o que {name} envia para <strong>{email}</strong>.',
  saveButton: 'Guardar as minhas escolhas',
  unsubscribeAllButton: 'Cancelar a inscrição em tudo',
  doneTitle: 'Concluído',
  unsubscribed: 'A sua inscrição foi cancelada. {name} não lhe enviará mais newsletters nem felicitações.',
  saved: 'As suas escolhas foram guardadas.',
  notFoundTitle: 'Link inválido',
  notFound: 'Este link é inválido ou expirou. Use o link de um e-mail recente.',
};

const TEXTS: ReadonlyMap<string, PageText> = new Map([en, de, fr, es, pt].map((t) => [t.lang, t]));

export const PAGE_LANGUAGES: readonly string[] = [...TEXTS.keys()];

/** The words for a locale (any form: `pt-BR`, `de_AT`); English when it is none we ship. */
export function pageText(locale: string | null | undefined): PageText {
  return TEXTS.get(shippedLanguage(TEXTS, locale)) ?? en;
}

/** Fills `{name}`-style placeholders with values the caller has already escaped. */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
