// Staff window entry: PIN pad -> staff home / export / settings (IT) / audit (IT),
// or first-run setup (staff.html?mode=setup). Runs in its own Tauri window with its own
// capability; every admin call carries the session token and Rust checks it again.
import { h, mount } from '../dom.js';
import { installGuards } from '../guards.js';
import * as ipc from './ipc.js';
import { pinPad } from './pinpad.js';
import { createFields } from './field.js';
import { errorText, attemptsLeft, mmss, ROLE } from './text.js';
import { homeScreen } from './home.js';
import { exportScreen, installExportEvents } from './export.js';
import { settingsScreen } from './settings.js';
import { auditScreen } from './audit.js';
import { setupScreen } from './setup.js';

const INACTIVITY_MS = 3 * 60 * 1000;

const app = document.getElementById('app');
const modal = document.getElementById('modal');
const fields = createFields(document.getElementById('dock'));

const state = {
  mode: new URLSearchParams(location.search).get('mode') === 'setup' ? 'setup' : 'staff',
  screen: 'loading',
  pad: null, // staff_pad_state
  pinMessage: null, // { kind: 'error'|'info', text }
  lockedLeft: 0,
  token: null,
  role: null,
  sessionSeconds: 0,
  overview: null,
  exp: null, // export screen state (kept while the session lasts)
  busy: false,
};

let lockTimer = null;
let idleTimer = null;
let expiryTimer = null;

// ---------- shared context for screen modules ----------

const ctx = {
  state,
  fields,
  go,
  render,
  modal: { show: showModal, hide: hideModal },
  isIt: () => state.role === 'it',
  /** Admin call with the token; an expired session goes back to the PIN pad and closes the window. */
  async call(fn, ...args) {
    try {
      const res = await fn(state.token, ...args);
      armExpiry(); // Rust slides the session on every authorised call
      return res;
    } catch (err) {
      if (err.code === 'unauthorized') { await endSession({ close: true, logout: false }); }
      throw err;
    }
  },
  errorText,
  exit: () => endSession({ close: true, logout: true }),
};

// ---------- render ----------

function go(screen) {
  fields.close();
  hideModal();
  state.screen = screen;
  render();
}

function render() {
  document.body.dataset.screen = state.screen;
  document.body.dataset.role = state.role || '';
  const screens = {
    loading: () => h('section', { class: 'staff-center' }, h('p', { class: 'lead' }, 'Cargando…')),
    pin: pinScreen,
    staff: () => withChrome(homeScreen(ctx)),
    export: () => withChrome(exportScreen(ctx)),
    settings: () => withChrome(settingsScreen(ctx)),
    audit: () => withChrome(auditScreen(ctx)),
    setup: () => setupScreen(ctx),
  };
  // Re-rendering the same screen (a chip, a stepper) keeps the scroll position.
  const prev = document.getElementById('scroll');
  const top = prev && rendered === state.screen ? prev.scrollTop : 0;
  mount(app, (screens[state.screen] || screens.loading)());
  const next = document.getElementById('scroll');
  if (next) next.scrollTop = top;
  rendered = state.screen;
}
let rendered = null;

/** Top bar + tabs shared by every signed-in screen. */
function withChrome(body) {
  const ov = state.overview;
  const unit = ov && ov.unit ? [ov.unit.name, ov.unit.clues].filter(Boolean).join(' · ')
    : [state.pad && state.pad.unitName, state.pad && state.pad.unitClues].filter(Boolean).join(' · ');
  const demo = (ov && ov.demo) || (state.pad && state.pad.demo);
  const tab = (testid, screen, label) => h('button', {
    type: 'button', class: `tab${state.screen === screen ? ' is-current' : ''}`, dataset: { testid },
    'aria-current': state.screen === screen ? 'page' : null,
    onclick: () => { if (state.screen !== screen) go(screen); },
  }, label);
  return h('div', { class: 'staff-frame' },
    h('header', { class: 'staff-top' },
      h('div', { class: 'staff-id' },
        h('span', { class: 'staff-brand' }, 'Trato Digno'),
        h('span', { class: 'staff-unit' }, unit || 'Unidad sin nombre'),
        demo ? h('span', { class: 'demo-tag', dataset: { testid: 'demo-tag' } }, 'DEMOSTRACIÓN') : null,
        h('span', { class: 'role-tag' }, ROLE[state.role] || '')),
      h('nav', { class: 'tabs', 'aria-label': 'Secciones' },
        tab('staff-home', 'staff', 'Inicio'),
        tab('export-open', 'export', 'Exportar'),
        ctx.isIt() ? tab('settings-open', 'settings', 'Configuración') : null,
        ctx.isIt() ? tab('audit-open', 'audit', 'Bitácora') : null,
        h('button', { type: 'button', class: 'tab tab-exit', dataset: { testid: 'staff-close' }, onclick: ctx.exit }, 'Salir'))),
    h('div', { class: 'staff-body-scroll', id: 'scroll' }, body));
}

// ---------- modal (confirm) ----------

function showModal(content) {
  mount(modal, h('div', { class: 'modal-backdrop', role: 'alertdialog', 'aria-modal': 'true' }, h('div', { class: 'modal-card' }, content)));
}
function hideModal() { modal.replaceChildren(); }

// ---------- PIN screen ----------

let pad = null;

function pinScreen() {
  const p = state.pad || {};
  const locked = state.lockedLeft > 0;
  pad = pinPad({ onEnter: login, disabled: locked || state.busy || p.configured === false });
  const unit = [p.unitName, p.unitClues].filter(Boolean).join(' · ');
  let message = null;
  if (locked) {
    message = h('p', { class: 'pin-msg is-locked', role: 'alert', dataset: { testid: 'pin-locked' } },
      `Bloqueado. Intente de nuevo en ${mmss(state.lockedLeft)}`);
  } else if (p.configured === false) {
    message = h('p', { class: 'pin-msg is-error', role: 'alert', dataset: { testid: 'pin-error' } }, errorText({ code: 'not_configured' }));
  } else if (state.pinMessage) {
    message = h('p', { class: 'pin-msg is-error', role: 'alert', dataset: { testid: 'pin-error' } }, state.pinMessage);
  }
  return h('section', { class: 'pin-screen' },
    h('button', { type: 'button', class: 'pin-back', dataset: { testid: 'staff-close' }, onclick: () => endSession({ close: true, logout: false }) },
      h('span', { 'aria-hidden': 'true' }, '←'), ' Volver a la encuesta'),
    h('div', { class: 'pin-card' },
      h('h1', { class: 'pin-title' }, 'Personal del módulo'),
      h('p', { class: 'pin-sub' }, locked ? 'Espere para intentar de nuevo' : 'Escriba su PIN'),
      unit ? h('p', { class: 'pin-unit' }, unit) : null,
      p.demo ? h('p', { class: 'demo-tag' }, 'DEMOSTRACIÓN') : null,
      pad.el,
      h('div', { class: 'pin-msg-slot' }, message)));
}

async function refreshPad() {
  try {
    state.pad = await ipc.padState();
  } catch (err) {
    state.pad = state.pad || {};
    state.pinMessage = errorText(err);
  }
  startLockCountdown(state.pad.locked ? Number(state.pad.retryAfterSeconds) || 0 : 0);
}

function startLockCountdown(seconds) {
  clearInterval(lockTimer);
  state.lockedLeft = Math.max(0, Math.ceil(seconds));
  if (state.lockedLeft <= 0) return;
  state.pinMessage = null;
  const until = Date.now() + state.lockedLeft * 1000;
  lockTimer = setInterval(async () => {
    const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    state.lockedLeft = left;
    const el = app.querySelector('[data-testid="pin-locked"]');
    if (left > 0) { if (el) el.textContent = `Bloqueado. Intente de nuevo en ${mmss(left)}`; return; }
    clearInterval(lockTimer);
    await refreshPad(); // Rust decides whether the pad is open again
    if (state.screen === 'pin') render();
  }, 1000);
}

async function login(pin) {
  if (state.busy) return;
  state.busy = true;
  pad.setDisabled(true);
  try {
    const res = await ipc.login(pin);
    state.token = res.token;
    state.role = res.role;
    state.pinMessage = null;
    state.exp = null;
    state.sessionSeconds = Number(res.expiresInSeconds) || 0;
    armExpiry();
    state.busy = false;
    go('staff');
  } catch (err) {
    state.busy = false;
    if (err.code === 'wrong_pin') {
      const n = attemptsLeft(err);
      state.pinMessage = n === null ? 'PIN incorrecto.' : `PIN incorrecto. Intentos restantes: ${n}`;
      await refreshPad();
    } else if (err.code === 'locked') {
      await refreshPad();
      if (!state.lockedLeft) startLockCountdown(Number(err.details.retry_after_seconds) || 300);
    } else {
      state.pinMessage = errorText(err);
      if (err.code === 'not_configured') await refreshPad();
    }
    render();
  }
}

// ---------- session end / inactivity ----------

/** Leave before Rust's session runs out (it slides on each call), rather than fail on the next tap. */
function armExpiry() {
  clearTimeout(expiryTimer);
  if (state.token && state.sessionSeconds > 0) {
    expiryTimer = setTimeout(() => endSession({ close: true, logout: true }), state.sessionSeconds * 1000);
  }
}

async function endSession({ close, logout }) {
  const token = state.token;
  state.token = null;
  state.role = null;
  state.overview = null;
  state.exp = null;
  state.pinMessage = null;
  clearTimeout(expiryTimer);
  fields.close();
  hideModal();
  if (state.mode === 'setup') return;
  // The window may be hidden and shown again: leave it on a clean PIN pad first.
  state.screen = 'pin';
  render();
  if (logout && token) { try { await ipc.logout(token); } catch { /* already gone */ } }
  if (close) { try { await ipc.close(); } catch (err) { console.error('staff_close failed', err.code, err.message); } }
  refreshPad().then(() => { if (state.screen === 'pin') render(); });
}

function touch() {
  clearTimeout(idleTimer);
  if (state.mode === 'setup') return;
  idleTimer = setTimeout(() => endSession({ close: true, logout: true }), INACTIVITY_MS);
}

// ---------- boot ----------

async function boot() {
  installGuards();
  for (const type of ['pointerdown', 'keydown', 'touchstart']) {
    document.addEventListener(type, touch, { capture: true, passive: true });
  }
  if (state.mode === 'setup') {
    state.screen = 'setup';
    render();
    return;
  }
  installExportEvents(ctx);
  // A USB keyboard plugged in by IT works on the PIN pad too (same buttons, same rules).
  document.addEventListener('keydown', (e) => {
    if (state.screen !== 'pin' || e.ctrlKey || e.metaKey || e.altKey) return;
    const id = /^[0-9]$/.test(e.key) ? `pin-${e.key}` : e.key === 'Enter' ? 'pin-enter' : e.key === 'Backspace' || e.key === 'Escape' ? 'pin-clear' : null;
    const btn = id && app.querySelector(`[data-testid="${id}"]`);
    if (btn && !btn.disabled) { e.preventDefault(); btn.click(); }
  });
  // A reused (hidden then shown) window starts again on the PIN pad.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !state.token) {
      touch();
      refreshPad().then(() => { if (state.screen === 'pin') render(); });
    }
  });
  state.screen = 'pin';
  await refreshPad();
  render();
  touch();
}

boot();
