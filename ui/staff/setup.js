// First-run setup (staff.html?mode=setup): unit CLUES and name, kiosk label, staff and IT PINs.
// Rust closes this window and opens the survey once complete_setup succeeds.
import { h, mount } from '../dom.js';
import * as ipc from './ipc.js';
import { SETTINGS, errorKey } from './text.js';
import { PIN_MIN, PIN_MAX } from './pinpad.js';

const CLUES_RE = /^[A-Z]{2}[A-Z]{3}[0-9]{6}$/;
const PIN_RE = new RegExp(`^[0-9]{${PIN_MIN},${PIN_MAX}}$`);

const FIELDS = [
  // id, testid, label, hint, layout, max, masked, arg
  ['clues', 'setup-clues', 'CLUES de la unidad', '11 caracteres: 2 letras del estado, 3 de la institución (IMS) y 6 números. Ejemplo: DFIMS000020', 'clues', 11, false],
  ['name', 'setup-name', 'Nombre de la unidad', 'Ejemplo: HGZ No. 1 «Dr. Carlos Mac Gregor»', 'text', 120, false],
  ['label', 'setup-label', 'Nombre de este quiosco', 'Para reconocerlo. Ejemplo: Módulo planta baja', 'text', 60, false],
  ['staffPin', 'setup-staff-pin', 'PIN del personal de Trato Digno', '4 a 8 números', 'numeric', PIN_MAX, true],
  ['staffPin2', 'setup-staff-pin2', 'Repita el PIN del personal', '', 'numeric', PIN_MAX, true],
  ['itPin', 'setup-it-pin', 'PIN de Informática', '4 a 8 números, distinto al del personal', 'numeric', PIN_MAX, true],
  ['itPin2', 'setup-it-pin2', 'Repita el PIN de Informática', '', 'numeric', PIN_MAX, true],
];

const view = { values: {}, errors: {}, summary: null, info: null, done: false, busy: false };

export function setupScreen(ctx) {
  const root = h('section', { class: 'setup' });
  if (!view.info) {
    view.info = {};
    ipc.setupState().then((s) => { view.info = s || {}; if (ctx.state.screen === 'setup') ctx.render(); })
      .catch((err) => { view.summary = ctx.errorText(err); if (ctx.state.screen === 'setup') ctx.render(); });
  }
  paint(ctx, root);
  return root;
}

function paint(ctx, root) {
  const { fields } = ctx;
  fields.close();
  if (view.done) {
    mount(root, h('div', { class: 'staff-center' }, h('h1', { class: 'big-title' }, 'Listo'), h('p', { class: 'lead' }, 'Abriendo la encuesta…')));
    return;
  }
  const info = view.info || {};
  if (info.recoveryNeeded) {
    mount(root, recoveryNotice());
    return;
  }
  const note = { clues: info.unitSet ? 'Ya hay una unidad guardada; puede confirmarla o cambiarla.' : null,
    staffPin: info.staffPinSet ? 'Ya hay un PIN guardado; el nuevo lo reemplaza.' : null,
    itPin: info.itPinSet ? 'Ya hay un PIN guardado; el nuevo lo reemplaza.' : null };
  const row = ([id, testid, label, hint, layout, max, masked]) => {
    const f = fields.field({
      testid, label, layout, max, masked, value: view.values[id] || '', placeholder: masked ? 'Toque para escribir' : 'Toque para escribir',
      onChange: (v) => { view.values[id] = v; },
    });
    if (view.errors[id]) f.setError(true);
    return h('div', { class: `setting-row${view.errors[id] ? ' has-error' : ''}` },
      h('div', { class: 'setting-label' }, h('span', {}, label), hint ? h('small', {}, hint) : null, note[id] ? h('small', {}, note[id]) : null),
      f,
      view.errors[id] ? h('p', { class: 'field-error', role: 'alert', dataset: { testid: `setup-error-${id}` } }, view.errors[id]) : null);
  };
  const submit = h('button', { type: 'button', class: 'btn primary big', dataset: { testid: 'setup-submit' }, disabled: view.busy, onclick: () => send(ctx, root) }, 'Guardar y comenzar');
  mount(root,
    h('header', { class: 'setup-head' },
      h('h1', { class: 'setup-title' }, 'Configuración inicial del quiosco'),
      h('p', { class: 'muted' }, 'Para Informática. Toque cada campo y escriba con el teclado de la pantalla.')),
    h('div', { class: 'setup-grid' },
      h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Unidad'), FIELDS.slice(0, 3).map(row)),
      h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'PIN de acceso'), FIELDS.slice(3).map(row))),
    h('div', { class: 'save-bar' }, submit,
      view.summary ? h('p', { class: 'notice is-error', role: 'alert', dataset: { testid: 'setup-error' } }, view.summary) : null));
}

// A kiosk that was set up and lost its database with no usable identity copy: Rust refuses the
// setup (anyone at the screen could otherwise take it over); IT restores it from the command line.
function recoveryNotice() {
  return h('div', { class: 'staff-center', dataset: { testid: 'setup-recovery' } },
    h('h1', { class: 'big-title' }, 'Este quiosco necesita a Informática'),
    h('p', { class: 'lead' }, 'Sus datos se dañaron y se apartaron para recuperarlos. Su configuración y sus PIN no se pudieron restaurar, así que no se puede configurar desde esta pantalla.'),
    h('p', { class: 'muted' }, 'Informática: en el equipo, como la cuenta del quiosco, ejecute «trato-kiosk config import ARCHIVO» y «trato-kiosk pin set it» y «trato-kiosk pin set staff»; después reinicie el quiosco.'));
}

function validate(v) {
  const e = {};
  const clues = (v.clues || '').trim().toUpperCase();
  if (!CLUES_RE.test(clues)) e.clues = `CLUES no válida. ${SETTINGS['unit.clues'].rule}`;
  if (!(v.name || '').trim()) e.name = 'Escriba el nombre de la unidad.';
  if (!PIN_RE.test(v.staffPin || '')) e.staffPin = 'El PIN debe tener de 4 a 8 números.';
  else if (v.staffPin !== v.staffPin2) e.staffPin2 = 'Los dos PIN del personal no son iguales.';
  if (!PIN_RE.test(v.itPin || '')) e.itPin = 'El PIN debe tener de 4 a 8 números.';
  else if (v.itPin !== v.itPin2) e.itPin2 = 'Los dos PIN de Informática no son iguales.';
  else if (v.itPin === v.staffPin) e.itPin = 'El PIN de Informática debe ser distinto al del personal.';
  return e;
}

/** Which field a Rust error is about, from its code and details (the PIN rules name no role). */
function fieldOf(err) {
  const byKey = { 'unit.clues': 'clues', 'unit.name': 'name', 'kiosk.label': 'label' };
  if (err.code === 'pin_in_use') return 'itPin';
  return byKey[errorKey(err)] || null;
}

async function send(ctx, root) {
  if (view.busy) return;
  const v = view.values;
  view.errors = validate(v);
  const first = FIELDS.find(([id]) => view.errors[id]);
  view.summary = first ? `Revise: ${first[2]}. ${view.errors[first[0]]}` : null;
  if (first) {
    paint(ctx, root);
    root.querySelector('.setting-row.has-error')?.scrollIntoView({ block: 'center' });
    return;
  }
  view.busy = true;
  paint(ctx, root);
  try {
    await ipc.completeSetup({
      unitClues: v.clues.trim().toUpperCase(), unitName: v.name.trim(), kioskLabel: (v.label || '').trim(),
      staffPin: v.staffPin, itPin: v.itPin,
    });
    view.done = true;
  } catch (err) {
    const id = fieldOf(err);
    const text = ctx.errorText(err);
    if (id) view.errors[id] = text;
    view.summary = text;
  }
  view.busy = false;
  paint(ctx, root);
}
