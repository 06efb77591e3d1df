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

/** The bytes of one read-aloud file (a path `readAloud` gave), as a Blob to play. */
export async function readAloudClip(path) {
  const bytes = await call('read_aloud_clip', { path });
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const type = ext === 'mp3' ? 'audio/mpeg' : ext === 'wav' ? 'audio/wav' : 'audio/ogg';
  return new Blob([bytes], { type });
}
