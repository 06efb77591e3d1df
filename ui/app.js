// Entry point: kiosk state machine (attract -> question* -> [complaints] -> thanks | error) and screens.
import { h, mount } from './dom.js';
import { t, pick, htmlLang, loadLanguages } from './i18n.js';
import * as ipc from './ipc.js';
import { visibleQuestions, pruneAnswers, canContinue, isSingle, answersPayload } from './survey.js';
import { renderAnswers } from './questions.js';
import { infoIcon, thanksIcon } from './faces.js';
import { attractScreen as drawAttract } from './attract.js';
import { exitButton, showExitConfirm } from './exit.js';
import { accessToggle, applyAccess } from './access.js';
import { privacyLine, showPrivacy } from './privacy.js';
import { listenButton, stopReading } from './listen.js';
import { langSwitch as drawLangSwitch } from './lang-switch.js';
import { complaintsScreen as drawComplaints } from './complaints.js';
import { createIdle } from './idle.js';
import { installGuards, installStaffCorner } from './guards.js';
import { errorText } from './errors.js';

const AUTO_ADVANCE_MS = 350; // long enough to see the choice light up, short enough to feel instant
const BOOT_RETRY_MS = 10000;

const app = document.getElementById('app');
const overlay = document.getElementById('overlay');

const state = {
  config: null, // kiosk_bootstrap result
  lang: 'es',
  access: false, // large text / high contrast, for this patient only
  screen: 'loading',
  errorKind: 'submit', // 'boot' | 'start' | 'submit'
  responseId: null,
  qid: null,
  answers: new Map(),
  busy: false, // single guard: one transition or invoke at a time
  submitted: new Set(), // responseIds already sent: never submit twice
  timer: null, // pending auto-advance / thanks / error timer
};

const idle = createIdle({
  onPrompt: (n) => showIdlePrompt(n),
  onTick: (n) => updateIdlePrompt(n),
  onTimeout: () => abandonAndReset(),
});

// ---------- helpers ----------

const survey = () => state.config.survey;
/** The survey's default language (its first), which every patient starts in. */
const firstLanguage = () => (state.config && state.config.survey.languages[0]) || 'es';
const visible = () => visibleQuestions(survey(), state.answers);
const currentQuestion = () => visible().find((q) => q.id === state.qid);

function setTimer(fn, ms) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => { state.timer = null; fn(); }, ms);
}

/** Run an async step under the busy guard; extra taps meanwhile are ignored. */
async function guarded(fn) {
  if (state.busy) return;
  state.busy = true;
  try { await fn(); } finally { state.busy = false; }
}

function langSwitch() {
  return drawLangSwitch({
    languages: survey().languages, current: state.lang, overlay,
    onPick: (l) => { if (!state.busy && state.lang !== l) { state.lang = l; render(); } },
  });
}

function accessSwitch() {
  return accessToggle(state.lang, state.access, (on) => { if (!state.busy) { state.access = on; render(); } });
}

// ---------- screens ----------

function render() {
  stopReading(); // a new screen (or an answer) ends any reading aloud
  document.documentElement.lang = htmlLang(state.lang);
  document.body.dataset.screen = state.screen;
  applyAccess(state.access);
  if (state.screen === 'question') document.body.dataset.question = state.qid;
  else delete document.body.dataset.question;
  const screens = { loading: loadingScreen, attract: attractScreen, question: questionScreen, complaints: complaintsScreen, thanks: thanksScreen, error: errorScreen };
  mount(app, screens[state.screen]());
  if (idle.prompting) showIdlePrompt(null); // re-translate an open prompt
}

function loadingScreen() {
  return h('section', { class: 'screen center-screen' }, h('p', { class: 'lead' }, t(state.lang, 'loading')));
}

function attractScreen() {
  return drawAttract({
    lang: state.lang, config: state.config, onStart: startSurvey, onFace: startFromFace,
    top: [accessSwitch(), langSwitch()],
    extra: [privacyLine(state.lang, () => showPrivacy(overlay, state.lang, state.config))],
  });
}

function questionScreen() {
  const q = currentQuestion();
  const list = visible();
  const index = list.indexOf(q);
  const isLast = index === list.length - 1;
  const { lang } = state;

  // No total: later answers may show or hide questions, and a total that
  // changes under the patient reads as a jump. The bar follows the survey's order.
  const all = survey().questions;
  const percent = Math.round(((all.indexOf(q) + 1) / all.length) * 100);
  const fill = h('div', { class: 'bar-fill' });
  fill.style.width = `${percent}%`;
  const progress = h('div', {
    class: 'progress', dataset: { testid: 'progress' }, role: 'progressbar',
    'aria-label': t(lang, 'progress', { n: index + 1 }),
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(percent),
    'aria-valuetext': t(lang, 'progress', { n: index + 1 }),
  }, h('span', { class: 'progress-text' }, t(lang, 'progress', { n: index + 1 })),
  h('div', { class: 'bar' }, fill));

  // The survey's own hint wins; otherwise a generic one for "several" / "optional".
  const hint = q.hint ? pick(q.hint, lang)
    : q.kind === 'multiple_choice' ? t(lang, 'chooseMany')
      : !q.required ? t(lang, 'optional') : null;

  const back = h('button', {
    type: 'button', class: 'nav-btn back', dataset: { testid: 'back' },
    disabled: index === 0, onclick: goBack,
  }, h('span', { class: 'arrow', 'aria-hidden': 'true' }, '←'), t(lang, 'back'));
  const forward = isLast
    ? h('button', { type: 'button', class: 'nav-btn primary submit', dataset: { testid: 'submit' }, onclick: submit },
      t(lang, 'submit'), h('span', { class: 'arrow', 'aria-hidden': 'true' }, '✓'))
    : h('button', { type: 'button', class: 'nav-btn primary next', dataset: { testid: 'next' }, onclick: goNext },
      t(lang, 'next'), h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'));
  forward.disabled = !canContinue(q, state.answers);

  const answers = renderAnswers(q, {
    lang,
    answers: state.answers,
    onPick: (code) => pickOne(q, code),
    onToggle: (code) => toggle(q, code),
    onText: (text) => { // typed in place: only the forward button needs refreshing
      if (text.length) state.answers.set(q.id, { text }); else state.answers.delete(q.id);
      forward.disabled = !canContinue(q, state.answers);
      keepProgress();
    },
  });

  return h('section', { class: `screen question kind-${q.kind}`, 'aria-labelledby': 'prompt' },
    h('header', { class: 'topbar' }, progress, h('div', { class: 'topbar-actions' }, accessSwitch(), langSwitch(), exitButton(lang, askExit))),
    // Prompt and answers travel together so the eye never has to jump across empty space.
    h('div', { class: 'content' },
      h('div', { class: 'prompt-wrap' },
        h('h1', { class: 'prompt', id: 'prompt', tabindex: '-1' }, pick(q.prompt, lang)),
        hint ? h('p', { class: 'hint' }, hint) : null),
      h('div', { class: 'answer-area' }, answers)),
    h('footer', { class: 'nav' }, back, listenButton(lang, q), forward));
}

function complaintsScreen() {
  return drawComplaints({ lang: state.lang, config: state.config, onOk: showThanks });
}

function thanksScreen() {
  return h('section', { class: 'screen center-screen thanks', dataset: { testid: 'thanks' } },
    thanksIcon(),
    h('h1', { class: 'big-title' }, t(state.lang, 'thanksTitle')),
    h('p', { class: 'lead' }, t(state.lang, 'thanksBody')));
}

function errorScreen() {
  const body = state.errorKind === 'submit' ? 'errorBody' : 'errorStart';
  return h('section', { class: 'screen center-screen error', dataset: { testid: 'error' }, role: 'alert' },
    infoIcon(),
    h('h1', { class: 'big-title' }, t(state.lang, 'errorTitle')),
    h('p', { class: 'lead' }, t(state.lang, body)),
    state.error ? h('p', { class: 'error-detail', dataset: { testid: 'error-detail' } }, errorText(state.error, state.lang)) : null,
    h('button', { type: 'button', class: 'nav-btn primary wide', dataset: { testid: 'error-home' }, onclick: errorHome },
      t(state.lang, 'errorHome')));
}

// ---------- idle overlay ----------

function showIdlePrompt(n) {
  const count = n ?? overlay.dataset.left;
  overlay.dataset.left = count;
  mount(overlay, h('div', { class: 'idle-backdrop', dataset: { testid: 'idle-prompt' }, role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'idle-title', onclick: continueSurvey },
    h('div', { class: 'idle-card' },
      h('h2', { class: 'big-title', id: 'idle-title' }, t(state.lang, 'idleTitle')),
      h('p', { class: 'lead idle-count' }, t(state.lang, 'idleBody', { n: count })),
      h('button', { type: 'button', class: 'nav-btn primary wide', dataset: { testid: 'idle-continue' }, onclick: continueSurvey },
        t(state.lang, 'idleContinue')))));
  overlay.querySelector('[data-testid="idle-continue"]').focus();
}

function updateIdlePrompt(n) {
  overlay.dataset.left = n;
  const p = overlay.querySelector('.idle-count');
  if (p) p.textContent = t(state.lang, 'idleBody', { n });
}

function hideIdlePrompt() { overlay.replaceChildren(); }

function continueSurvey(e) {
  if (e) e.stopPropagation(); // one tap, one dismissal (button sits inside the backdrop)
  hideIdlePrompt();
  idle.dismiss();
}

// ---------- flow ----------

function startSurvey() {
  return guarded(async () => {
    try {
      const { responseId } = await ipc.startSurvey(state.lang);
      state.responseId = responseId;
      state.answers = new Map();
      state.qid = visible()[0].id;
      state.screen = 'question';
      render();
      idle.arm();
    } catch (err) {
      console.error('start_survey failed', err.code, err.message);
      showError('start', err);
    }
  });
}

/** A face tapped on the attract screen: Rust decides whether it counts
 *  (anti-stuffing); the survey opens on the first question still unanswered. */
function startFromFace(question, code) {
  return guarded(async () => {
    try {
      const { responseId, answerKept } = await ipc.startFromFace(state.lang, { question: question.id, codes: [code] });
      state.responseId = responseId;
      state.answers = new Map(answerKept ? [[question.id, { codes: [code] }]] : []);
      const list = visible();
      state.qid = (list.find((q) => !state.answers.has(q.id)) || list[0]).id;
      state.screen = 'question';
      render();
      idle.arm();
    } catch (err) {
      console.error('start_from_face failed', err.code, err.message);
      showError('start');
    }
  });
}

function askExit() {
  if (state.busy) return;
  showExitConfirm(overlay, state.lang, abandonAndReset);
}

/** Single-answer tap: record, show it lit, then move on once (busy blocks repeats). */
function pickOne(q, code) {
  if (state.busy) return;
  state.answers.set(q.id, { codes: [code] });
  pruneAnswers(survey(), state.answers);
  keepProgress();
  render();
  const list = visible();
  if (list[list.length - 1].id === q.id) return; // last question: patient taps Enviar
  state.busy = true;
  setTimer(() => {
    state.busy = false;
    if (state.screen === 'question' && state.qid === q.id) advanceFrom(q.id);
  }, AUTO_ADVANCE_MS);
}

function toggle(q, code) {
  if (state.busy) return;
  const codes = new Set((state.answers.get(q.id) || { codes: [] }).codes);
  if (codes.has(code)) codes.delete(code); else codes.add(code);
  // Keep the survey's option order, whatever the tapping order was.
  const ordered = (q.options || []).map((o) => o.code).filter((c) => codes.has(c));
  if (ordered.length) state.answers.set(q.id, { codes: ordered }); else state.answers.delete(q.id);
  pruneAnswers(survey(), state.answers);
  keepProgress();
  render();
}

/** Rust keeps the answers so far: if this page or the app goes away mid-survey,
 *  they are stored as abandoned there (per survey.abandoned), not lost here. */
function keepProgress() {
  const id = state.responseId;
  if (!id || state.submitted.has(id)) return;
  ipc.recordProgress(id, state.lang, answersPayload(survey(), state.answers))
    .catch((err) => console.error('record_progress failed', err.code, err.message));
}

function advanceFrom(qid) {
  const list = visible();
  const i = list.findIndex((q) => q.id === qid);
  if (i >= 0 && i < list.length - 1) {
    state.qid = list[i + 1].id;
    render();
    app.querySelector('#prompt')?.focus({ preventScroll: true });
  }
}

function goNext() {
  const q = currentQuestion();
  if (state.busy || !q || !canContinue(q, state.answers)) return;
  advanceFrom(q.id);
}

function goBack() {
  if (state.busy) return;
  const list = visible();
  const i = list.findIndex((q) => q.id === state.qid);
  if (i > 0) {
    state.qid = list[i - 1].id;
    render();
  }
}

function submit() {
  const q = currentQuestion();
  const id = state.responseId;
  if (!q || !id || state.submitted.has(id) || !canContinue(q, state.answers)) return;
  return guarded(async () => {
    if (state.submitted.has(id)) return;
    state.submitted.add(id);
    idle.disarm(); // no idle reset while Rust is storing the response
    const btn = app.querySelector('[data-testid="submit"]');
    if (btn) { btn.disabled = true; btn.setAttribute('aria-busy', 'true'); } // visibly "working"; extra taps do nothing
    try {
      const { alert } = await ipc.submitResponse(id, state.lang, answersPayload(survey(), state.answers));
      clearSurvey();
      // Rust says whether the answers met an alert rule of the survey: then
      // the patient first learns where to complain.
      if (alert) showComplaints(); else showThanks();
    } catch (err) {
      console.error('submit_response failed', err.code, err.message);
      showError('submit', err);
    }
  });
}

/** Where to complain, until "Entendido" (then the thanks) or its own timeout (then the start). */
function showComplaints() {
  state.screen = 'complaints';
  render();
  app.querySelector('[data-testid="complaints-ok"]')?.focus({ preventScroll: true });
  setTimer(resetToAttract, (state.config.idleSeconds + state.config.idlePromptSeconds) * 1000);
}

function showThanks() {
  if (state.screen !== 'question' && state.screen !== 'complaints') return;
  state.screen = 'thanks';
  render();
  setTimer(resetToAttract, state.config.thanksSeconds * 1000);
}

async function abandonAndReset() {
  hideIdlePrompt();
  clearTimeout(state.timer);
  const id = state.responseId;
  const lang = state.lang;
  const answers = state.config ? answersPayload(survey(), state.answers) : [];
  clearSurvey(); // wipe the screen first: the next person must not see these answers
  state.screen = 'attract';
  state.lang = firstLanguage();
  state.access = false;
  state.busy = true;
  render();
  try {
    if (id && !state.submitted.has(id)) await ipc.abandonResponse(id, lang, answers);
  } catch (err) {
    console.error('abandon_response failed', err.code, err.message);
  } finally {
    state.busy = false;
  }
}

function showError(kind, err) {
  clearSurvey();
  idle.disarm();
  state.errorKind = kind;
  state.error = err || null;
  state.screen = 'error';
  render();
  // Unattended, the kiosk returns to the start by itself.
  const seconds = state.config ? state.config.idleSeconds + state.config.idlePromptSeconds : 30;
  setTimer(errorHome, kind === 'boot' ? BOOT_RETRY_MS : seconds * 1000);
}

function errorHome() {
  if (state.busy) return;
  if (state.errorKind === 'boot') return boot();
  resetToAttract();
}

function clearSurvey() {
  state.responseId = null;
  state.qid = null;
  state.answers = new Map();
}

function resetToAttract() {
  clearTimeout(state.timer);
  idle.disarm();
  hideIdlePrompt();
  clearSurvey();
  state.lang = firstLanguage(); // the next patient starts in the survey's first language (Spanish), in the usual mode
  state.access = false;
  state.screen = 'attract';
  render();
}

function boot() {
  return guarded(async () => {
    try {
      state.config = await ipc.bootstrap();
      await loadLanguages(state.config.survey.languages);
      state.lang = firstLanguage();
      idle.configure(state.config.idleSeconds, state.config.idlePromptSeconds);
      state.screen = 'attract';
      render();
    } catch (err) {
      console.error('kiosk_bootstrap failed', err.code, err.message);
      state.busy = false;
      showError('boot', err);
    }
  });
}

// ---------- wiring ----------

installGuards();
installStaffCorner(document.getElementById('staff-corner'));
// The staff tools live in their own window (own capability): this window only asks Rust to open it.
window.addEventListener('staff-gesture', () => {
  const core = window.__TAURI__ && window.__TAURI__.core;
  if (!core) return;
  core.invoke('open_staff').catch((err) => console.error('open_staff failed', err && err.code, err && err.message));
});
for (const type of ['pointerdown', 'keydown', 'touchstart']) {
  document.addEventListener(type, () => idle.activity(), { capture: true, passive: true });
}
render();
boot();
