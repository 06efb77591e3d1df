// UI chrome strings (the survey brings its own question texts). Spanish first.
const STRINGS = {
  es: {
    htmlLang: 'es-MX',
    welcome: 'Su opinión nos importa',
    subtitle: '¿Cómo le tratamos hoy?',
    tapToStart: 'Toque la pantalla para comenzar',
    privacy: 'Encuesta anónima. No le pedimos su nombre ni ningún número. Solo guardamos sus respuestas sobre el trato que recibió, para mejorar el servicio.',
    demo: 'Modo de demostración',
    progress: 'Pregunta {n} de {total}',
    back: 'Atrás',
    next: 'Siguiente',
    submit: 'Enviar',
    optional: 'Opcional: puede dejarlo en blanco',
    chooseMany: 'Puede elegir varias',
    recommendLow: 'Nada probable',
    recommendHigh: 'Muy probable',
    textPlaceholder: 'Escriba aquí con el teclado de abajo…',
    chars: '{n} de {max} letras',
    thanksTitle: '¡Gracias!',
    thanksBody: 'Su opinión nos ayuda a darle un mejor trato.',
    errorTitle: 'Lo sentimos',
    errorBody: 'No pudimos guardar su respuesta. Por favor avise al personal del módulo.',
    errorStart: 'No pudimos iniciar la encuesta. Por favor avise al personal del módulo.',
    errorHome: 'Volver al inicio',
    idleTitle: '¿Sigue ahí?',
    idleBody: 'La encuesta se cerrará en {n} segundos.',
    idleContinue: 'Sí, continuar',
    loading: 'Cargando…',
    kbGroup: 'Teclado',
    kbShift: 'Mayúsculas',
    kbSymbols: 'Números y signos',
    kbLetters: 'Letras',
    kbSpace: 'espacio',
    kbBackspace: 'Borrar',
    langEs: 'Español',
    langEn: 'English',
    langGroup: 'Idioma',
  },
  en: {
    htmlLang: 'en',
    welcome: 'Your opinion matters',
    subtitle: 'How were you treated today?',
    tapToStart: 'Touch the screen to begin',
    privacy: 'Anonymous survey. We never ask for your name or any number. We only keep your answers about how you were treated, to improve the service.',
    demo: 'Demo mode',
    progress: 'Question {n} of {total}',
    back: 'Back',
    next: 'Next',
    submit: 'Send',
    optional: 'Optional: you may leave it blank',
    chooseMany: 'You may choose several',
    recommendLow: 'Not at all likely',
    recommendHigh: 'Very likely',
    textPlaceholder: 'Type here with the keyboard below…',
    chars: '{n} of {max} characters',
    thanksTitle: 'Thank you!',
    thanksBody: 'Your opinion helps us treat you better.',
    errorTitle: 'We are sorry',
    errorBody: 'We could not save your answers. Please tell the staff at the help desk.',
    errorStart: 'We could not start the survey. Please tell the staff at the help desk.',
    errorHome: 'Back to start',
    idleTitle: 'Are you still there?',
    idleBody: 'The survey will close in {n} seconds.',
    idleContinue: 'Yes, continue',
    loading: 'Loading…',
    kbGroup: 'Keyboard',
    kbShift: 'Capital letters',
    kbSymbols: 'Numbers and symbols',
    kbLetters: 'Letters',
    kbSpace: 'space',
    kbBackspace: 'Delete',
    langEs: 'Español',
    langEn: 'English',
    langGroup: 'Language',
  },
};

export const LANGUAGES = ['es', 'en'];

/** Chrome string in `lang`, with {placeholders} filled; falls back to Spanish. */
export function t(lang, key, vars = {}) {
  const table = STRINGS[lang] || STRINGS.es;
  const raw = table[key] ?? STRINGS.es[key] ?? key;
  return raw.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

/** Pick a survey-provided localized text {es, en}; falls back to Spanish. */
export function pick(localized, lang) {
  if (!localized) return '';
  if (typeof localized === 'string') return localized;
  return localized[lang] ?? localized.es ?? Object.values(localized)[0] ?? '';
}
