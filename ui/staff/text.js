// Spanish texts for the staff window. Error codes have their words in ../errors.js;
// Rust messages are English for logs; people read these.

import { errorText as wordsFor, mmss } from '../errors.js';

/** Every editable setting: label, keyboard layout and the rule shown on an error. */
export const SETTINGS = {
  'unit.clues': { label: 'CLUES de la unidad', kind: 'text', layout: 'clues', max: 11, hint: 'Ejemplo: DFIMS000020',
    rule: '11 caracteres: 2 letras del estado, 3 de la institución (IMS) y 6 números. Ejemplo: DFIMS000020.' },
  'unit.name': { label: 'Nombre de la unidad', kind: 'text', max: 120, rule: 'Hasta 120 caracteres.' },
  'unit.ooad': { label: 'OOAD o UMAE', kind: 'text', max: 120, rule: 'Hasta 120 caracteres.' },
  'service.areas': { label: 'Servicios de este módulo', kind: 'multi', rule: 'Elija de 1 a 12 servicios.' },
  'service.default': { label: 'Servicio principal', kind: 'one', rule: 'Elija uno de los servicios de este módulo.' },
  'unit.complaints_text': { label: 'Dónde presentar una queja (vacío: el Módulo de Trato Digno de la unidad)', kind: 'text', max: 400,
    rule: 'Hasta 400 caracteres, en un solo párrafo.' },
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
  'audio.volume': { label: 'Volumen de «Escuchar» (0 a 100)', kind: 'number', layout: 'numeric', max: 3, rule: 'Un número de 0 a 100.' },
  'privacy.url': { label: 'Dirección del aviso de privacidad integral (código QR)', kind: 'text', max: 300,
    rule: 'Debe empezar con https:// (hasta 300 caracteres).' },
};

export const SETTING_GROUPS = [
  ['Unidad', ['unit.clues', 'unit.name', 'unit.ooad', 'kiosk.label', 'unit.complaints_text']],
  ['Servicios', ['service.areas', 'service.default']],
  ['Encuesta', ['survey.idle_seconds', 'survey.idle_prompt_seconds', 'survey.thanks_seconds', 'survey.min_interval_seconds', 'survey.abandoned']],
  ['Sincronización', ['sync.endpoint', 'sync.token', 'sync.retention_days', 'staff.session_minutes']],
  ['Privacidad', ['privacy.notice', 'privacy.url']],
  ['Sonido', ['audio.volume']],
];

/** Setting key an `invalid_setting` / `unknown_setting` error is about (from its details). */
export function errorKey(err) {
  const key = err && err.details && err.details.setting;
  return typeof key === 'string' && key ? key : null;
}

/** One calm Spanish sentence for an error; a bad setting is named with its rule. */
export function errorText(err) {
  if (!err) return '';
  if (err.code === 'invalid_setting') {
    const s = SETTINGS[errorKey(err)];
    if (s) return `${s.label}: ${s.rule}`;
  }
  return wordsFor(err, 'es');
}

/** Wrong PINs left before the pad locks, from the error's details (null if not said). */
export function attemptsLeft(err) {
  const n = err && err.details ? err.details.attempts_left : undefined;
  return Number.isInteger(n) ? n : null;
}

export { mmss };

export const ROLE = { staff: 'Personal', it: 'Informática' };

export const ACTIONS = {
  setup: 'Configuración inicial', login: 'Entrada', login_failed: 'PIN incorrecto', lockout: 'Bloqueo por intentos',
  login_refused: 'Entrada rechazada (bloqueado)', logout: 'Salida', config_change: 'Cambio de configuración',
  unit_change: 'Cambio de unidad', pin_change: 'Cambio de PIN', export: 'Exportación', sync_now: 'Sincronizar ahora',
  exit: 'Salida del modo quiosco', eject: 'Memoria USB retirada',
};

export const ORIGINS = { screen: 'pantalla', cli: 'línea de comandos', setup: 'configuración inicial', sync: 'servidor central' };

const FORMATS = { csv: 'CSV', xlsx: 'Excel' };

/** A setting key as staff know it (its label), else the key itself. */
const settingName = (key) => (SETTINGS[key] ? SETTINGS[key].label : key);

/** A stored time (RFC 3339 UTC) as the kiosk's local date and time. */
function when(at) {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? String(at) : d.toLocaleString('es-MX', { dateStyle: 'short', timeStyle: 'short' });
}

/** An ISO day (2026-03-01) as 01/03/2026. */
const day = (iso) => String(iso || '').split('-').reverse().join('/');

/**
 * The words of an audit row's details, from the data Rust stored with its
 * action code (old rows' English lines are read back into the same data).
 */
export function auditDetail(action, p) {
  p = p || {};
  if (p.text) return p.text;
  const keys = (list) => (list || []).map(settingName).join(', ');
  switch (action) {
    case 'setup': return `Unidad ${p.unit || '—'}${p.keys && p.keys.length ? `; ajustes: ${keys(p.keys)}` : ''}`;
    case 'login_failed': return Number.isInteger(p.attemptsLeft)
      ? (p.attemptsLeft === 1 ? 'Queda 1 intento antes del bloqueo' : `Quedan ${p.attemptsLeft} intentos antes del bloqueo`) : '';
    case 'lockout': return `Bloqueo número ${p.lockouts} tras ${p.failures} PIN incorrectos, hasta ${when(p.until)}`;
    case 'login_refused': return p.until ? `Teclado bloqueado hasta ${when(p.until)}` : '';
    case 'config_change': return p.keys && p.keys.length ? `Ajustes: ${keys(p.keys)}` : '';
    case 'unit_change': return (p.changes || [])
      .map((c) => `${settingName(c.key)}: ${c.old || '(vacío)'} → ${c.new || '(vacío)'}`).join('; ');
    case 'pin_change': return `PIN de ${ROLE[p.role] || p.role || '—'}${p.imported ? ' (desde el archivo de configuración)' : ''}`;
    case 'export':
      if (p.configWithSecrets) return 'Configuración con claves';
      return `Del ${day(p.from)} al ${day(p.to)} · ${FORMATS[p.format] || p.format || ''} · en ${p.destination || '—'}`;
    case 'eject': return `${p.destination || '—'} · ${p.unmounted ? 'datos guardados y memoria desmontada' : 'datos guardados'}`;
    default: return '';
  }
}
