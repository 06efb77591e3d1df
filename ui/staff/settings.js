// IT settings: the validated keys, typed with the on-screen keyboard; change a PIN;
// leave kiosk mode (with a confirm step). Rust validates again and names the key on error.
import { h, mount } from '../dom.js';
import * as ipc from './ipc.js';
import { SETTINGS, SETTING_GROUPS, errorKey } from './text.js';
import { PIN_MIN, PIN_MAX } from './pinpad.js';

let view = null; // { original, draft, touched:Set, catalogue, error:{key,text}, status }

export function settingsScreen(ctx) {
  const root = h('div', { class: 'settings' });
  if (!ctx.isIt()) {
    mount(root, h('p', { class: 'notice is-error' }, ctx.errorText({ code: 'forbidden' })));
    return root;
  }
  mount(root, h('p', { class: 'lead muted' }, 'Cargando configuración…'));
  load(ctx, root);
  return root;
}

async function load(ctx, root) {
  try {
    const s = await ctx.call(ipc.settings);
    view = { original: { ...s.values }, draft: { ...s.values }, touched: new Set(), catalogue: s.serviceCatalogue || [], error: null, status: null };
    if (ctx.state.screen === 'settings') paint(ctx, root);
  } catch (err) {
    if (ctx.state.screen === 'settings') mount(root, h('p', { class: 'notice is-error', role: 'alert' }, ctx.errorText(err)));
  }
}

const areasOf = (v) => String(v || '').split(',').map((x) => x.trim()).filter(Boolean);

function paint(ctx, root) {
  const { fields } = ctx;
  fields.close();
  const repaint = () => paint(ctx, root);

  const errorFor = (key) => (view.error && view.error.key === key
    ? h('p', { class: 'field-error', role: 'alert', dataset: { testid: 'setting-error' } }, view.error.text) : null);

  const row = (key) => {
    const def = SETTINGS[key];
    if (!def || !(key in view.draft)) return null;
    let control;
    if (def.kind === 'text' || def.kind === 'number') {
      control = fields.field({
        testid: `setting-${key}`, label: def.label, layout: def.layout || 'text', max: def.max,
        value: def.secret && !view.touched.has(key) ? '' : view.draft[key],
        placeholder: def.secret ? (view.original[key] ? `${view.original[key]} (sin cambios)` : 'Sin clave') : 'Vacío',
        onChange: (v) => { view.draft[key] = v; view.touched.add(key); markDirty(); },
      });
      if (view.error && view.error.key === key) control.setError(true);
    } else if (def.kind === 'multi') {
      const on = new Set(areasOf(view.draft[key]));
      const catalogue = view.catalogue.length ? view.catalogue : [...on];
      control = h('div', { class: 'chips', dataset: { testid: `setting-${key}` }, role: 'group', 'aria-label': def.label },
        catalogue.map((a, i) => h('button', {
          type: 'button', class: `chip${on.has(a) ? ' is-on' : ''}`, 'aria-pressed': String(on.has(a)), dataset: { testid: `setting-${key}-${i}` },
          onclick: () => {
            if (on.has(a)) on.delete(a); else on.add(a);
            view.draft[key] = catalogue.filter((x) => on.has(x)).join(',');
            view.touched.add(key);
            // The main service must stay one of the chosen ones.
            const chosen = areasOf(view.draft[key]);
            if (chosen.length && !chosen.includes(view.draft['service.default'])) { view.draft['service.default'] = chosen[0]; view.touched.add('service.default'); }
            repaint();
          },
        }, a)));
    } else if (def.kind === 'one') {
      const chosen = areasOf(view.draft['service.areas']);
      control = h('div', { class: 'chips', dataset: { testid: `setting-${key}` }, role: 'group', 'aria-label': def.label },
        chosen.map((a, i) => h('button', {
          type: 'button', class: `chip${view.draft[key] === a ? ' is-on' : ''}`, 'aria-pressed': String(view.draft[key] === a), dataset: { testid: `setting-${key}-${i}` },
          onclick: () => { view.draft[key] = a; view.touched.add(key); repaint(); },
        }, a)));
    } else if (def.kind === 'choice') {
      control = h('div', { class: 'chips', dataset: { testid: `setting-${key}` }, role: 'group', 'aria-label': def.label },
        def.choices.map(([v, label]) => h('button', {
          type: 'button', class: `chip wide${view.draft[key] === v ? ' is-on' : ''}`, 'aria-pressed': String(view.draft[key] === v), dataset: { testid: `setting-${key}-${v}` },
          onclick: () => { view.draft[key] = v; view.touched.add(key); repaint(); },
        }, label)));
    }
    return h('div', { class: `setting-row${view.error && view.error.key === key ? ' has-error' : ''}`, dataset: { key } },
      h('div', { class: 'setting-label' }, h('span', {}, def.label), def.hint ? h('small', {}, def.hint) : null),
      control, errorFor(key));
  };

  const status = h('p', { class: 'save-status', role: 'status', dataset: { testid: 'setting-status' } }, view.status || '');
  const save = h('button', { type: 'button', class: 'btn primary big', dataset: { testid: 'setting-save' }, onclick: () => saveAll(ctx, root, status, save) }, 'Guardar cambios');
  const markDirty = () => { status.textContent = `${changes().length ? 'Cambios sin guardar' : ''}`; };

  const ro = (label, value) => (value ? h('p', { class: 'muted small' }, `${label}: `, h('strong', {}, value)) : null);

  mount(root,
    SETTING_GROUPS.map(([title, keys]) => h('section', { class: 'card' }, h('h2', { class: 'card-title' }, title), keys.map(row))),
    h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Datos fijos'),
      ro('Identificador del quiosco', view.original['kiosk.id']),
      ro('Encuesta activa', view.original['survey.active_id'] && `${view.original['survey.active_id']} · versión ${view.original['survey.active_version'] || '?'}`),
      ro('Modo de demostración', view.original['kiosk.demo'] === 'true' ? 'sí' : null)),
    view.error && !SETTINGS[view.error.key] ? h('p', { class: 'notice is-error', role: 'alert', dataset: { testid: 'setting-error' } }, view.error.text) : null,
    h('div', { class: 'save-bar' }, save, status),
    pinCard(ctx),
    leaveCard(ctx));
}

function changes() {
  if (!view) return [];
  return Object.keys(view.draft).filter((k) => view.touched.has(k) && (SETTINGS[k] && SETTINGS[k].secret ? true : view.draft[k] !== view.original[k]));
}

async function saveAll(ctx, root, status, btn) {
  const keys = changes();
  if (!keys.length) { status.textContent = 'No hay cambios.'; return; }
  const payload = Object.fromEntries(keys.map((k) => [k, SETTINGS[k] && SETTINGS[k].layout === 'clues' ? view.draft[k].toUpperCase() : view.draft[k]]));
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  // The form is redrawn from Rust's values once saved: keys typed meanwhile would land
  // in fields about to be replaced, so nothing takes a tap until then.
  root.inert = true;
  try {
    const res = await ctx.call(ipc.updateSettings, payload);
    const n = (res && res.changed ? res.changed.length : keys.length);
    view.error = null;
    ctx.state.overview = null; // unit name / services may have changed
    ctx.state.overviewAt = 0;
    ctx.state.exp = null;
    await load(ctx, root);
    root.inert = false;
    if (view) { view.status = n ? `Guardado. ${n} ${n === 1 ? 'cambio' : 'cambios'}.` : 'No hubo cambios.'; paint(ctx, root); }
    ctx.call(ipc.overview).then((ov) => { ctx.state.overview = ov; ctx.state.overviewAt = Date.now(); refreshHeader(ctx); }).catch(() => {});
  } catch (err) {
    root.inert = false;
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
    if (err.code === 'unauthorized') return;
    view.error = { key: err.code === 'invalid_setting' ? errorKey(err) : null, text: ctx.errorText(err) };
    view.status = null;
    paint(ctx, root);
    const el = root.querySelector('[data-testid="setting-error"]');
    if (el) el.scrollIntoView({ block: 'center' });
  }
}

function refreshHeader(ctx) {
  const ov = ctx.state.overview;
  const el = document.querySelector('.staff-unit');
  if (el && ov && ov.unit) el.textContent = [ov.unit.name, ov.unit.clues].filter(Boolean).join(' · ');
}

function pinCard(ctx) {
  const { fields } = ctx;
  let role = 'staff';
  const msg = h('p', { class: 'save-status', role: 'status', dataset: { testid: 'pin-new-status' } });
  const f1 = fields.field({ testid: 'pin-new', label: 'PIN nuevo', layout: 'numeric', max: PIN_MAX, masked: true, placeholder: '4 a 8 números' });
  const f2 = fields.field({ testid: 'pin-new2', label: 'Repita el PIN nuevo', layout: 'numeric', max: PIN_MAX, masked: true, placeholder: 'Repita el PIN' });
  const roleBtn = (r, label) => h('button', {
    type: 'button', class: `chip wide${r === role ? ' is-on' : ''}`, dataset: { testid: `pin-role-${r}` }, 'aria-pressed': String(r === role),
    onclick: (e) => {
      role = r;
      for (const b of e.currentTarget.parentElement.children) { const on = b.dataset.testid === `pin-role-${r}`; b.classList.toggle('is-on', on); b.setAttribute('aria-pressed', String(on)); }
    },
  }, label);
  const save = h('button', {
    type: 'button', class: 'btn primary', dataset: { testid: 'pin-save' },
    onclick: async () => {
      msg.classList.remove('is-error');
      const p = f1.value;
      if (!/^\d+$/.test(p) || p.length < PIN_MIN || p.length > PIN_MAX) { msg.textContent = 'El PIN debe tener de 4 a 8 números.'; msg.classList.add('is-error'); return; }
      if (p !== f2.value) { msg.textContent = 'Los dos PIN no son iguales.'; msg.classList.add('is-error'); return; }
      save.disabled = true;
      try {
        await ctx.call(ipc.setPin, role, p);
        f1.setValue(''); f2.setValue(''); fields.close();
        msg.textContent = `PIN de ${role === 'it' ? 'Informática' : 'Personal'} cambiado.`;
      } catch (err) {
        msg.textContent = ctx.errorText(err); msg.classList.add('is-error');
      } finally { save.disabled = false; }
    },
  }, 'Guardar PIN');
  return h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Cambiar un PIN'),
    h('div', { class: 'chips' }, roleBtn('staff', 'Personal'), roleBtn('it', 'Informática')),
    h('div', { class: 'pin-fields' }, h('label', { class: 'setting-label' }, 'PIN nuevo', f1), h('label', { class: 'setting-label' }, 'Repita el PIN', f2)),
    h('div', { class: 'save-bar' }, save, msg));
}

function leaveCard(ctx) {
  const ask = () => ctx.modal.show([
    h('h2', { class: 'modal-title' }, '¿Salir del modo quiosco?'),
    h('p', {}, 'La encuesta se cerrará y el equipo quedará sin quiosco hasta que se vuelva a iniciar.'),
    h('div', { class: 'modal-actions' },
      h('button', { type: 'button', class: 'btn', dataset: { testid: 'leave-kiosk-cancel' }, onclick: () => ctx.modal.hide() }, 'Cancelar'),
      h('button', {
        type: 'button', class: 'btn danger', dataset: { testid: 'leave-kiosk-confirm' },
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          try { await ctx.call(ipc.leaveKiosk); } catch (err) {
            ctx.modal.show([h('p', { class: 'notice is-error', role: 'alert' }, ctx.errorText(err)),
              h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => ctx.modal.hide() }, 'Cerrar'))]);
          }
        },
      }, 'Sí, salir'))]);
  return h('section', { class: 'card leave-card' }, h('h2', { class: 'card-title' }, 'Modo quiosco'),
    h('p', { class: 'muted' }, 'Para mantenimiento del equipo. Se pedirá confirmación.'),
    h('button', { type: 'button', class: 'btn danger', dataset: { testid: 'leave-kiosk' }, onclick: ask }, 'Salir del modo quiosco'));
}
