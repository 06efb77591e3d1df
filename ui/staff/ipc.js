// The staff window's only door to Rust. Errors are normalised to {code, message, details}.
// Every admin call carries the session token.

import { normaliseError } from '../errors.js';

function tauri() {
  const t = window.__TAURI__;
  if (!t || !t.core || typeof t.core.invoke !== 'function') {
    throw { code: 'no_backend', message: 'Tauri IPC is not available' };
  }
  return t;
}

export const normalise = normaliseError;

async function call(cmd, args) {
  try {
    return await tauri().core.invoke(cmd, args);
  } catch (err) {
    throw normalise(err);
  }
}

/** listen(name, fn(payload)) -> Promise<unlisten>; resolves to a no-op without Tauri events. */
export async function listen(name, fn) {
  const ev = window.__TAURI__ && window.__TAURI__.event;
  if (!ev || typeof ev.listen !== 'function') return () => {};
  return ev.listen(name, (e) => fn(e.payload));
}

export const padState = () => call('staff_pad_state');
export const login = (pin) => call('staff_login', { pin });
export const logout = (token) => call('staff_logout', { token });
export const close = () => call('staff_close');
export const overview = (token) => call('staff_overview', { token });
export const exportDestinations = (token) => call('staff_export_destinations', { token });
export const startExport = (token, { from, to, service, format, destination }) =>
  call('staff_export', { token, from, to, service, format, destination });
export const eject = (token, destination) => call('staff_eject', { token, destination });
export const syncNow = (token) => call('staff_sync_now', { token });
export const settings = (token) => call('staff_settings', { token });
export const updateSettings = (token, changes) => call('staff_update_settings', { token, changes });
export const setPin = (token, role, pin) => call('staff_set_pin', { token, role, pin });
export const audit = (token, limit) => call('staff_audit', { token, limit });
export const leaveKiosk = (token) => call('leave_kiosk_mode', { token });
export const setupState = () => call('setup_state');
export const completeSetup = (fields) => call('complete_setup', fields);
