// What each error code from Rust means to a person, in Spanish and English.
// Rust sends {code, message, details}; `message` is English for the log, never shown.
// `details` fill the {placeholders}: setting, attempts_left, retry_after_seconds.
// src-tauri's test `ui_has_words_for_every_error_code` checks this table against the codes Rust emits.

export const ERROR_TEXTS = {
  storage: {
    es: 'No se pudo leer o guardar en la base de datos del quiosco. Avise a Informática.',
    en: 'The kiosk could not read or write its database. Please tell IT.',
  },
  storage_full: {
    es: 'El disco del quiosco está lleno. Lo ya guardado está a salvo, pero no se pueden guardar respuestas nuevas hasta liberar espacio. Avise a Informática.',
    en: 'The kiosk\'s disk is full. What was saved is safe, but no new answers can be saved until space is freed. Please tell IT.',
  },
  unknown_setting: {
    es: 'Ese ajuste no existe en este quiosco ({setting}).',
    en: 'This kiosk has no such setting ({setting}).',
  },
  invalid_setting: {
    es: 'El valor no es válido ({setting}).',
    en: 'The value is not valid ({setting}).',
  },
  invalid_config_file: {
    es: 'El archivo de configuración no es válido.',
    en: 'The configuration file is not valid.',
  },
  invalid_survey: {
    es: 'La encuesta no es válida para este quiosco.',
    en: 'The survey is not valid for this kiosk.',
  },
  invalid_answers: {
    es: 'Las respuestas no corresponden a la encuesta.',
    en: 'The answers do not fit the survey.',
  },
  no_session: {
    es: 'La encuesta ya había terminado. Empiece de nuevo.',
    en: 'The survey had already ended. Please start again.',
  },
  data_dir: {
    es: 'El quiosco no puede usar su carpeta de datos. Avise a Informática.',
    en: 'The kiosk cannot use its data folder. Please tell IT.',
  },
  wrong_pin: {
    es: 'PIN incorrecto. Intentos restantes: {attempts_left}',
    en: 'Wrong PIN. Attempts left: {attempts_left}',
  },
  locked: {
    es: 'Bloqueado por demasiados intentos. Intente de nuevo en {retry_after}.',
    en: 'Locked after too many attempts. Try again in {retry_after}.',
  },
  not_configured: {
    es: 'El quiosco aún no está configurado.',
    en: 'This kiosk is not set up yet.',
  },
  unauthorized: {
    es: 'La sesión terminó. Vuelva a entrar con su PIN.',
    en: 'The session ended. Enter your PIN again.',
  },
  forbidden: {
    es: 'Esta opción es solo para Informática.',
    en: 'Only IT can do this.',
  },
  already_set_up: {
    es: 'Este quiosco ya está configurado. Entre como Informática para cambiarlo.',
    en: 'This kiosk is already set up. Sign in as IT to change it.',
  },
  recovery_needed: {
    es: 'Este quiosco perdió su configuración. Llame a Informática para restaurarla.',
    en: 'This kiosk lost its configuration. Call IT to restore it.',
  },
  weak_pin: {
    es: 'Ese PIN es muy fácil de adivinar (todos iguales o seguidos, como 1234). Elija otro.',
    en: 'That PIN is too easy to guess (all the same digit or a run like 1234). Choose another.',
  },
  pin_in_use: {
    es: 'El PIN del personal y el de Informática deben ser distintos.',
    en: 'The staff PIN and the IT PIN must be different.',
  },
  invalid_pin: {
    es: 'El PIN debe tener de 4 a 8 números.',
    en: 'A PIN is 4 to 8 digits.',
  },
  backwards_period: {
    es: 'Revise las fechas: «Desde» debe ser antes de «Hasta».',
    en: 'Check the dates: "From" must come before "To".',
  },
  unknown_format: {
    es: 'Formato de archivo desconocido: elija CSV o Excel.',
    en: 'Unknown file format: choose CSV or Excel.',
  },
  no_such_folder: {
    es: 'No se encontró el destino. Conecte la memoria USB y vuelva a buscar.',
    en: 'The destination was not found. Plug in the USB drive and look again.',
  },
  no_destination: {
    es: 'Ese destino no está en la lista. Conecte la memoria USB y vuelva a buscar.',
    en: 'That destination is not in the list. Plug in the USB drive and look again.',
  },
  destination_forbidden: {
    es: 'Ese destino no está permitido. Elija una memoria USB o la carpeta del quiosco.',
    en: 'That destination is not allowed. Choose a USB drive or the kiosk\'s folder.',
  },
  destination_exists: {
    es: 'Ya existe un archivo con ese nombre. La exportación nunca reemplaza archivos.',
    en: 'A file with that name already exists. An export never replaces a file.',
  },
  drive_gone: {
    es: 'La memoria USB ya no está conectada o no aparece en la lista.',
    en: 'The USB drive is no longer plugged in or not in the list.',
  },
  eject_failed: {
    es: 'No se pudo terminar de escribir en la memoria USB. No la retire; vuelva a intentarlo.',
    en: 'Could not finish writing to the USB drive. Do not remove it; try again.',
  },
  not_writable: {
    es: 'No se pudo escribir en el destino elegido (¿está lleno o protegido?).',
    en: 'Could not write to the chosen destination (is it full or write-protected?).',
  },
  too_many_rows: {
    es: 'Demasiadas respuestas para una hoja de Excel: elija un periodo más corto o CSV.',
    en: 'Too many responses for an Excel sheet: choose a shorter period or CSV.',
  },
  write_failed: {
    es: 'No se pudo escribir el archivo. Intente de nuevo.',
    en: 'The file could not be written. Please try again.',
  },
  not_available: {
    es: 'Esta función no está disponible en este quiosco.',
    en: 'This is not available on this kiosk.',
  },
  internal: {
    es: 'Error interno del quiosco. Avise a Informática.',
    en: 'Internal kiosk error. Please tell IT.',
  },
  // Made in JavaScript, not by Rust.
  no_backend: {
    es: 'Esta pantalla no está conectada al quiosco.',
    en: 'This screen is not connected to the kiosk.',
  },
  unknown: {
    es: 'No se pudo completar.',
    en: 'It could not be done.',
  },
};

/** Codes made in JavaScript (the test allows them without a Rust counterpart). */
export const UI_ONLY_CODES = ['no_backend', 'unknown'];

/** "4:59" */
export const mmss = (secs) => `${Math.floor(secs / 60)}:${String(Math.max(0, secs) % 60).padStart(2, '0')}`;

/** One calm sentence for an error in `lang` ('es' first), filled from its details. */
export function errorText(err, lang = 'es') {
  if (!err) return '';
  const texts = ERROR_TEXTS[err.code] || ERROR_TEXTS.unknown;
  const d = err.details || {};
  const vars = {
    setting: d.setting ?? '',
    attempts_left: d.attempts_left ?? '',
    retry_after: mmss(Number(d.retry_after_seconds) || 0),
  };
  return (texts[lang] || texts.es).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

/** Normalises whatever `invoke` threw into {code, message, details}. */
export function normaliseError(err) {
  if (err && typeof err === 'object' && 'code' in err) {
    const details = err.details && typeof err.details === 'object' ? err.details : {};
    return { code: String(err.code), message: String(err.message ?? ''), details };
  }
  return { code: 'unknown', message: String(err && err.message ? err.message : err), details: {} };
}
