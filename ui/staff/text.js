// Spanish texts for the staff window, and the Rust error codes/rules in plain Spanish.
// Rust messages are English for logs; people read these.

/** Every editable setting: label, keyboard layout and the rule shown on an error. */
export const SETTINGS = {
  'unit.clues': { label: 'CLUES de la unidad', kind: 'text', layout: 'clues', max: 11, hint: 'Ejemplo: DFIMS000020',
    rule: '11 caracteres: 2 letras del estado, 3 de la institución (IMS) y 6 números. Ejemplo: DFIMS000020.' },
  'unit.name': { label: 'Nombre de la unidad', kind: 'text', max: 120, rule: 'Hasta 120 caracteres.' },
  'unit.ooad': { label: 'OOAD o UMAE', kind: 'text', max: 120, rule: 'Hasta 120 caracteres.' },
  'service.areas': { label: 'Servicios de este módulo', kind: 'multi', rule: 'Elija de 1 a 12 servicios.' },
  'service.default': { label: 'Servicio principal', kind: 'one', rule: 'Elija uno de los servicios de este módulo.' },
  'kiosk.label': { label: 'Nombre del quiosco', kind: 'text', max: 60, rule: 'Hasta 60 caracteres.' },
  'sync.endpoint': { label: 'Dirección del servidor central', kind: 'text', max: 300,
    rule: 'Debe empezar con https:// (http:// solo para localhost). Vacío: sin sincronizar.' },
  'sync.token': { label: 'Clave del quiosco para el servidor', kind: 'text', max: 256, secret: true,
    rule: 'De 16 a 256 caracteres, sin espacios. Vacío: sin clave.' },
  'survey.idle_seconds': { label: 'Segundos sin tocar antes de «¿Sigue ahí?»', kind: 'number', layout: 'numeric', max: 3, rule: 'Un número de 15 a 600.' },
  'survey.idle_prompt_seconds': { label: 'Segundos que dura «¿Sigue ahí?»', kind: 'number', layout: 'numeric', max: 3, rule: 'Un número de 5 a 120.' },
  'survey.thanks_seconds': { label: 'Segundos en la pantalla «¡Gracias!»', kind: 'number', layout: 'numeric', max: 2, rule: 'Un número de 2 a 60.' },
  'survey.min_interval_seconds': { label: 'Segundos mínimos entre encuestas', kind: 'number', layout: 'numeric', max: 3, rule: 'Un número de 0 a 600.' },
  'survey.abandoned': { label: 'Encuestas sin terminar', kind: 'choice',
    choices: [['keep', 'Conservar'], ['discard', 'Descartar']], rule: 'Conservar o Descartar.' },
  'sync.retention_days': { label: 'Días que se guardan las respuestas ya enviadas', kind: 'number', layout: 'numeric', max: 4, rule: 'Un número de 1 a 3650.' },
  'staff.session_minutes': { label: 'Minutos de sesión del personal', kind: 'number', layout: 'numeric', max: 2, rule: 'Un número de 1 a 30.' },
  'privacy.notice': { label: 'Aviso de privacidad simplificado (vacío: el texto del IMSS)', kind: 'text', max: 1500,
    rule: 'Hasta 1500 caracteres, en un solo párrafo.' },
  'privacy.url': { label: 'Dirección del aviso de privacidad integral (código QR)', kind: 'text', max: 300,
    rule: 'Debe empezar con https:// (hasta 300 caracteres).' },
};

export const SETTING_GROUPS = [
  ['Unidad', ['unit.clues', 'unit.name', 'unit.ooad', 'kiosk.label']],
  ['Servicios', ['service.areas', 'service.default']],
  ['Encuesta', ['survey.idle_seconds', 'survey.idle_prompt_seconds', 'survey.thanks_seconds', 'survey.min_interval_seconds', 'survey.abandoned']],
  ['Sincronización', ['sync.endpoint', 'sync.token', 'sync.retention_days', 'staff.session_minutes']],
  ['Privacidad', ['privacy.notice', 'privacy.url']],
];

const CODES = {
  no_backend: 'Esta pantalla no está conectada al quiosco.',
  not_configured: 'El quiosco aún no está configurado.',
  unauthorized: 'La sesión terminó. Vuelva a entrar con su PIN.',
  forbidden: 'Esta opción es solo para Informática.',
  not_available: 'Esta función aún no está disponible en este quiosco.',
  busy: 'El quiosco está ocupado. Intente de nuevo en un momento.',
  no_destination: 'No se encontró el destino. Conecte la memoria USB y vuelva a buscar.',
  destination: 'No se pudo escribir en el destino elegido.',
  destination_forbidden: 'Ese destino no está permitido. Elija una memoria USB o la carpeta del quiosco.',
  destination_exists: 'Ya existe un archivo con ese nombre. La exportación nunca reemplaza archivos.',
  recovery_needed: 'Este quiosco perdió su configuración. Llame a Informática para restaurarla.',
  disk_full: 'No hay espacio suficiente en el destino.',
  storage_full: 'El disco del quiosco está lleno. Lo ya guardado está a salvo, pero no se pueden guardar respuestas nuevas hasta liberar espacio. Avise a Informática.',
  invalid_period: 'Revise las fechas: «Desde» debe ser antes de «Hasta».',
  invalid_pin: 'El PIN debe tener de 4 a 8 números.',
  wrong_pin: 'PIN incorrecto.',
  locked: 'Bloqueado por demasiados intentos.',
};

/** Setting key named in an `invalid_setting` message ("invalid value for `unit.clues`: ..."). */
export function errorKey(err) {
  if (err && typeof err.key === 'string') return err.key;
  const m = /`([a-z_]+\.[a-z_]+)`/.exec((err && err.message) || '') || /\b([a-z_]+\.[a-z_]+)\b/.exec((err && err.message) || '');
  return m ? m[1] : null;
}

/** One calm Spanish sentence for an error. */
export function errorText(err) {
  if (!err) return '';
  if (err.code === 'invalid_setting') {
    const key = errorKey(err);
    const s = key && SETTINGS[key];
    if (s) return `${s.label}: ${s.rule}`;
    return `Valor no válido. ${err.message}`;
  }
  return CODES[err.code] || `No se pudo completar. (${err.code}${err.message ? `: ${err.message}` : ''})`;
}

/** Attempts left after a wrong PIN, from a field or the message ("3 more before the pad locks"). */
export function attemptsLeft(err) {
  if (err && Number.isFinite(Number(err.attemptsLeft)) && err.attemptsLeft !== null && err.attemptsLeft !== '') return Number(err.attemptsLeft);
  const m = /(\d+)/.exec((err && err.message) || '');
  return m ? Number(m[1]) : null;
}

/** "4:59" */
export const mmss = (secs) => `${Math.floor(secs / 60)}:${String(Math.max(0, secs) % 60).padStart(2, '0')}`;

export const ROLE = { staff: 'Personal', it: 'Informática' };

export const ACTIONS = {
  setup: 'Configuración inicial', login: 'Entrada', login_failed: 'PIN incorrecto', lockout: 'Bloqueo por intentos',
  login_refused: 'Entrada rechazada (bloqueado)', logout: 'Salida', config_change: 'Cambio de configuración',
  unit_change: 'Cambio de unidad', pin_change: 'Cambio de PIN', export: 'Exportación', sync_now: 'Sincronizar ahora',
  exit: 'Salida del modo quiosco',
};

export const ORIGINS = { screen: 'pantalla', cli: 'línea de comandos', setup: 'configuración inicial' };
