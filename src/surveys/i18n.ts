import { shippedLanguage } from '../render/audience.js';

/**
 * The words of the survey pages, in the customer's language (their locale, else the business's;
 * English when neither is one we have). `{business}` is replaced by the business's name.
 */
export interface SurveyWords {
  title: string;
  csatQuestion: string;
  npsQuestion: string;
  csatLabels: readonly [string, string, string, string, string];
  npsLow: string;
  npsHigh: string;
  legend: string;
  comment: string;
  submit: string;
  autosaved: string;
  thanksTitle: string;
  thanksBody: string;
  editNote: string;
  reviewAsk: string;
  reviewLink: string;
  invalidTitle: string;
  invalidBody: string;
  expiredTitle: string;
  expiredBody: string;
  lockedBody: string;
  chooseScore: string;
}

const en: SurveyWords = {
  title: 'How did we do?',
  csatQuestion: 'How satisfied are you with {business}?',
  npsQuestion: 'How likely are you to recommend {business} to a friend or colleague?',
  csatLabels: ['Very unsatisfied', 'Unsatisfied', 'Neither', 'Satisfied', 'Very satisfied'],
  npsLow: '0 = not at all likely',
  npsHigh: '10 = extremely likely',
  legend: 'Your rating',
  comment: 'Anything you would like to tell us? (optional)',
  submit: 'Submit',
  autosaved: 'Thank you, your rating is saved. You can still add a comment and press Submit.',
  thanksTitle: 'Thank you!',
  thanksBody: 'Your answer is saved. Every answer is read by a real person.',
  editNote: 'Changed your mind? Use the link in the email again within a few days.',
  reviewAsk: 'If you have a minute, you could also share your experience publicly:',
  reviewLink: 'Write a review',
  invalidTitle: 'This link is not valid',
  invalidBody: 'Please use the link in the email we sent you, exactly as it is.',
  expiredTitle: 'This survey has closed',
  expiredBody: 'The link has expired. Thank you all the same for wanting to answer.',
  lockedBody: 'Your answer was saved earlier and can no longer be changed. Thank you!',
  chooseScore: 'Please choose a rating.',
};

const de: SurveyWords = {
  title: 'Wie war es?',
  csatQuestion: 'Wie zufrieden sind Sie mit {business}?',
  npsQuestion: 'Wie wahrscheinlich ist es, dass Sie {business} einem Freund oder Kollegen empfehlen?',
  csatLabels: ['Sehr unzufrieden', 'Unzufrieden', 'Weder noch', 'Zufrieden', 'Sehr zufrieden'],
  npsLow: '0 = überhaupt nicht wahrscheinlich',
  npsHigh: '10 = äußerst wahrscheinlich',
  legend: 'Ihre Bewertung',
  comment: 'Möchten Sie uns noch etwas sagen? (optional)',
  submit: 'Absenden',
  autosaved:
    'Danke, Ihre Bewertung ist gespeichert. Sie können noch einen Kommentar hinzufügen und auf Absenden drücken.',
  thanksTitle: 'Vielen Dank!',
  thanksBody: 'Ihre Antwort ist gespeichert. Jede Antwort liest ein Mensch.',
  editNote: 'Anders überlegt? Nutzen Sie den Link in der E-Mail in den nächsten Tagen erneut.',
  reviewAsk: 'Wenn Sie eine Minute haben, können Sie Ihre Erfahrung auch öffentlich teilen:',
  reviewLink: 'Bewertung schreiben',
  invalidTitle: 'Dieser Link ist ungültig',
  invalidBody: 'Bitte verwenden Sie den Link aus unserer E-Mail genau so, wie er ist.',
  expiredTitle: 'Diese Umfrage ist beendet',
  expiredBody: 'Der Link ist abgelaufen. Trotzdem danke, dass Sie antworten wollten.',
  lockedBody: 'Ihre Antwort wurde bereits gespeichert und kann nicht mehr geändert werden. Danke!',
  chooseScore: 'Bitte wählen Sie eine Bewertung.',
};

const fr: SurveyWords = {
  title: 'Comment cela s’est-il passé ?',
  csatQuestion: 'Êtes-vous satisfait(e) de {business} ?',
  npsQuestion: 'Quelle est la probabilité que vous recommandiez {business} à un ami ou un collègue ?',
  csatLabels: [
    'Très insatisfait(e)',
    'Insatisfait(e)',
    'Ni l’un ni l’autre',
    'Satisfait(e)',
    'Très satisfait(e)',
  ],
  npsLow: '0 = pas du tout probable',
  npsHigh: '10 = très probable',
  legend: 'Votre note',
  comment: 'Quelque chose à nous dire ? (facultatif)',
  submit: 'Envoyer',
  autosaved:
    'Merci, votre note est enregistrée. Vous pouvez encore ajouter un commentaire et cliquer sur Envoyer.',
  thanksTitle: 'Merci !',
  thanksBody: 'Votre réponse est enregistrée. Chaque réponse est lue par une vraie personne.',
  editNote: 'Vous avez changé d’avis ? Utilisez à nouveau le lien de l’e-mail dans les prochains jours.',
  reviewAsk: 'Si vous avez une minute, vous pouvez aussi partager votre expérience publiquement :',
  reviewLink: 'Écrire un avis',
  invalidTitle: 'Ce lien n’est pas valide',
  invalidBody: 'Veuillez utiliser le lien de notre e-mail tel quel.',
  expiredTitle: 'Ce questionnaire est clos',
  expiredBody: 'Le lien a expiré. Merci quand même d’avoir voulu répondre.',
  lockedBody: 'Votre réponse a déjà été enregistrée et ne peut plus être modifiée. Merci !',
  chooseScore: 'Veuillez choisir une note.',
};

const es: SurveyWords = {
  title: '¿Qué tal fue?',
  csatQuestion: '¿Qué tan satisfecho/a está con {business}?',
  npsQuestion: '¿Qué probabilidad hay de que recomiende {business} a un amigo o colega?',
  csatLabels: [
    'Muy insatisfecho/a',
    'Insatisfecho/a',
    'Ni una cosa ni otra',
    'Satisfecho/a',
    'Muy satisfecho/a',
  ],
  npsLow: '0 = nada probable',
  npsHigh: '10 = muy probable',
  legend: 'Su valoración',
  comment: '¿Algo que quiera contarnos? (opcional)',
  submit: 'Enviar',
  autosaved: 'Gracias, su valoración está guardada. Todavía puede añadir un comentario y pulsar Enviar.',
  thanksTitle: '¡Gracias!',
  thanksBody: 'Su respuesta está guardada. Una persona real lee cada respuesta.',
  editNote: '¿Ha cambiado de opinión? Use de nuevo el enlace del correo en los próximos días.',
  reviewAsk: 'Si tiene un minuto, también puede compartir su experiencia públicamente:',
  reviewLink: 'Escribir una reseña',
  invalidTitle: 'Este enlace no es válido',
  invalidBody: 'Use el enlace de nuestro correo tal como está.',
  expiredTitle: 'Esta encuesta está cerrada',
  expiredBody: 'El enlace ha caducado. Gracias de todos modos por querer responder.',
  lockedBody: 'Su respuesta ya se guardó y no se puede cambiar. ¡Gracias!',
  chooseScore: 'Elija una valoración.',
};

const pt: SurveyWords = {
  title: 'Como correu?',
  csatQuestion: 'Qual é o seu nível de satisfação com {business}?',
  npsQuestion: 'Qual a probabilidade de recomendar {business} a um amigo ou colega?',
  csatLabels: ['Muito insatisfeito/a', 'Insatisfeito/a', 'Indiferente', 'Satisfeito/a', 'Muito satisfeito/a'],
  npsLow: '0 = nada provável',
  npsHigh: '10 = extremamente provável',
  legend: 'A sua avaliação',
  comment: 'Quer dizer-nos mais alguma coisa? (opcional)',
  submit: 'Enviar',
  autosaved:
    'Obrigado, a sua avaliação foi guardada. Ainda pode acrescentar um comentário e carregar em Enviar.',
  thanksTitle: 'Obrigado!',
  thanksBody: 'A sua resposta foi guardada. Cada resposta é lida por uma pessoa real.',
  editNote: 'Mudou de ideias? Use de novo a ligação do e-mail nos próximos dias.',
  reviewAsk: 'Se tiver um minuto, também pode partilhar a sua experiência publicamente:',
  reviewLink: 'Escrever uma avaliação',
  invalidTitle: 'Esta ligação não é válida',
  invalidBody: 'Use a ligação do nosso e-mail tal como está.',
  expiredTitle: 'Este inquérito está encerrado',
  expiredBody: 'A ligação expirou. Obrigado na mesma por querer responder.',
  lockedBody: 'A sua resposta já foi guardada e não pode ser alterada. Obrigado!',
  chooseScore: 'Escolha uma avaliação.',
};

const WORDS: ReadonlyMap<string, SurveyWords> = new Map(Object.entries({ en, de, fr, es, pt }));

/** The page language for these locales, first one we have wins: `de-AT` → de. */
export function surveyLanguage(...locales: ReadonlyArray<string | null | undefined>): string {
  return shippedLanguage(WORDS, ...locales);
}

export function surveyWords(language: string): SurveyWords {
  return WORDS.get(language) ?? en;
}
