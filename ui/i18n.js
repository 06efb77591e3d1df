// UI words (the survey brings its own question texts). One file per language
// in lang/<code>.js: the language's own name and its words. Spanish is
// complete and loaded first; every other language falls back to it word by
// word, and a survey language without a file shows its code and Spanish words
// (`trato-kiosk survey validate` warns about both, from the same files).
import es from './lang/es.js';

const TABLES = { es };

/** The file for `code` (`es-MX` falls back to `es`), or null when there is none. */
function table(code) {
  if (TABLES[code]) return TABLES[code];
  const base = String(code).split('-')[0];
  return TABLES[base] || null;
}

/** Loads the word files of the survey's languages; resolves even when some have none. */
export async function loadLanguages(codes) {
  const wanted = new Set();
  for (const code of codes) {
    wanted.add(code);
    wanted.add(code.split('-')[0]);
  }
  await Promise.all([...wanted].filter((c) => !(c in TABLES)).map(async (c) => {
    // Codes were validated in Rust (`[a-z]{2,3}(-[A-Z]{2})?`): never a path.
    if (!/^[a-z]{2,3}(-[A-Z]{2})?$/.test(c)) return;
    try {
      TABLES[c] = (await import(`./lang/${c}.js`)).default;
    } catch {
      TABLES[c] = null; // no file for this language: Spanish words
    }
  }));
}

/** UI word `key` in `lang`, with {placeholders} filled; falls back to Spanish. */
export function t(lang, key, vars = {}) {
  const raw = table(lang)?.[key] ?? TABLES.es[key] ?? key;
  return raw.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

/** The language's own name (endonym) for the switch; its code when the UI has no file for it. */
export function languageName(code) {
  return table(code)?.name ?? code;
}

/** The `lang` attribute for text in `code`: the file's `htmlLang`, else the code itself. */
export function htmlLang(code) {
  return table(code)?.htmlLang ?? code;
}

/** Pick a survey-provided localized text {es, en, …}; falls back to Spanish. */
export function pick(localized, lang) {
  if (!localized) return '';
  if (typeof localized === 'string') return localized;
  return localized[lang] ?? localized.es ?? Object.values(localized)[0] ?? '';
}
