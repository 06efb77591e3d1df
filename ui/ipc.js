// The only module that talks to the Rust side. Errors are normalised to {code, message, details}.

import { normaliseError as normalise } from './errors.js';

function core() {
  const c = window.__TAURI__ && window.__TAURI__.core;
  if (!c || typeof c.invoke !== 'function') {
    throw { code: 'no_backend', message: 'Tauri IPC is not available' };
  }
  return c;
}

async function call(cmd, args) {
  try {
    return await core().invoke(cmd, args);
  } catch (err) {
    throw normalise(err);
  }
}

export const bootstrap = () => call('kiosk_bootstrap');

export const startSurvey = (language) => call('start_survey', { language });

export const startFromFace = (language, answer) => call('start_from_face', { language, answer });

export const submitResponse = (responseId, language, answers) =>
  call('submit_response', { responseId, language, answers });

export const abandonResponse = (responseId, language, answers) =>
  call('abandon_response', { responseId, language, answers });

export const recordProgress = (responseId, language, answers) =>
  call('record_progress', { responseId, language, answers });

/** Read-aloud audio of the active survey in `language`: {state: 'none'|'pending'|'ready', questions?, volume}. */
export const readAloud = (language) => call('read_aloud', { language });

/** The URL of a read-aloud file (a path under the kiosk's audio folder), on the `audio:` scheme Rust serves. */
export function audioUrl(path) {
  // convertFileSrc gives the scheme's base for this platform (audio://localhost/ on
  // Linux, http://audio.localhost/ on Windows); the path keeps its slashes.
  return core().convertFileSrc('', 'audio') + path.split('/').map(encodeURIComponent).join('/');
}
