// "Escuchar": reads the question aloud, then each option, in the patient's
// language, from files Rust made ahead of time (espeak-ng or the survey's
// recordings), fetched over IPC and played from `blob:` URLs (WebKitGTK's
// media player cannot load a custom scheme). The button appears only once
// that language's audio is ready, and never for a language with no voice.
// A tap on an option, on the button again, or any new screen stops it.
import { h, s } from './dom.js';
import * as ipc from './ipc.js';

// Kept here (not in i18n.js) so this feature stays in one module; Spanish is the fallback.
const WORDS = {
  es: { listen: 'Escuchar', stop: 'Detener', label: 'Escuchar la pregunta y las respuestas' },
  en: { listen: 'Listen', stop: 'Stop', label: 'Listen to the question and the answers' },
};
const word = (lang, key) => (WORDS[lang] || WORDS.es)[key];

const POLL_MS = 1500; // while the audio is being made (first start, a new survey)
const GAP_MS = 300; // a breath between the question and each option

const ready = new Map(); // language -> {questions, volume}, once Rust says 'ready'
const blobs = new Map(); // file path -> Promise of a blob: URL (the survey's audio is a few MB)
let reading = null; // {question, clips, index, button, timer}
let player = null;

function audioElement() {
  if (!player) {
    player = h('audio', { preload: 'auto', dataset: { testid: 'listen-audio' } });
    player.addEventListener('ended', next);
    player.addEventListener('error', () => {
      if (reading) console.error('read-aloud: cannot play', player.currentSrc);
      next();
    });
    document.body.append(player);
    // Tapping an answer stops the reading (the patient has heard enough).
    document.addEventListener('click', (e) => {
      if (reading && e.target instanceof Element && e.target.closest('.option')) stopReading();
    }, { capture: true });
  }
  return player;
}

function speakerIcon() {
  return s('svg', { viewBox: '0 0 48 48', class: 'listen-icon', 'aria-hidden': 'true', focusable: 'false' },
    s('path', { d: 'M6 18 H16 L28 8 V40 L16 30 H6 Z', fill: 'currentColor' }),
    s('path', { d: 'M34 17 Q40 24 34 31 M38 11 Q48 24 38 37', fill: 'none', stroke: 'currentColor', 'stroke-width': 4, 'stroke-linecap': 'round' }));
}

function stopIcon() {
  return s('svg', { viewBox: '0 0 48 48', class: 'listen-icon', 'aria-hidden': 'true', focusable: 'false' },
    s('rect', { x: 10, y: 10, width: 28, height: 28, rx: 4, fill: 'currentColor' }));
}

function setPlaying(button, playing, lang) {
  button.classList.toggle('is-playing', playing);
  button.dataset.state = playing ? 'playing' : 'idle';
  button.setAttribute('aria-pressed', String(playing));
  button.replaceChildren(playing ? stopIcon() : speakerIcon(),
    h('span', { class: 'listen-text' }, word(lang, playing ? 'stop' : 'listen')));
}

function fill(slot, lang, question) {
  const audio = ready.get(lang);
  if (!audio || !audio.questions[question.id] || slot.firstChild) return;
  const button = h('button', {
    type: 'button', class: 'listen-btn', dataset: { testid: 'listen' }, 'aria-label': word(lang, 'label'),
    onclick: () => (reading && reading.button === button ? stopReading() : start(lang, question, button)),
  });
  setPlaying(button, false, lang);
  slot.append(button);
}

/** The slot for the Escuchar button of question `q`; filled once the audio is ready. */
export function listenButton(lang, question) {
  const slot = h('div', { class: 'listen-slot' });
  fill(slot, lang, question); // known ready: no wait, no jump
  const ask = () => ipc.readAloud(lang).then((result) => {
    if (result.state === 'ready') {
      ready.set(lang, { questions: result.questions, volume: result.volume });
      if (slot.isConnected) fill(slot, lang, question);
    } else if (result.state === 'pending' && slot.isConnected) {
      setTimeout(() => { if (slot.isConnected) ask(); }, POLL_MS);
    } else if (result.state === 'none') {
      ready.delete(lang);
    }
  }).catch((err) => console.error('read_aloud failed', err.code, err.message));
  // Asked each time, also when known: the volume may have changed.
  queueMicrotask(ask);
  return slot;
}

/** The playable URL of a read-aloud file, fetched once. */
function clipUrl(path) {
  if (!blobs.has(path)) {
    const url = ipc.readAloudClip(path).then((blob) => URL.createObjectURL(blob));
    url.catch(() => blobs.delete(path)); // a failure is tried again next time
    blobs.set(path, url);
  }
  return blobs.get(path);
}

function start(lang, question, button) {
  stopReading();
  const audio = ready.get(lang);
  const qa = audio && audio.questions[question.id];
  if (!qa) return;
  const clips = [{ path: qa.prompt }, ...qa.options.map((o) => ({ path: o.path, code: o.code }))];
  reading = { question, clips, index: 0, button, lang, timer: null };
  for (const clip of clips) clipUrl(clip.path); // the options load while the question plays
  const el = audioElement();
  el.volume = Math.min(1, Math.max(0, audio.volume / 100));
  setPlaying(button, true, lang);
  play();
}

function play() {
  const r = reading;
  if (!r) return;
  const clip = r.clips[r.index];
  highlight(r, clip.code);
  const el = audioElement();
  clipUrl(clip.path).then((url) => {
    if (reading !== r) return; // stopped while loading
    el.src = url;
    return el.play();
  }).catch((err) => {
    // A stop during loading rejects the play: nothing to report then.
    if (reading === r) { console.error('read-aloud: play failed', err && (err.name || err.code)); stopReading(); }
  });
}

function next() {
  const r = reading;
  if (!r) return;
  r.index += 1;
  if (r.index >= r.clips.length) { stopReading(); return; }
  r.timer = setTimeout(() => { r.timer = null; if (reading === r) play(); }, GAP_MS);
}

/** The option being read is outlined, so the words meet their button. */
function highlight(r, code) {
  for (const el of document.querySelectorAll('.option.is-reading')) el.classList.remove('is-reading');
  if (!code) return;
  const option = document.querySelector(`[data-testid="answer-${r.question.id}-${code}"]`);
  if (option) option.classList.add('is-reading');
}

/** Stops any reading at once (a tap, a new screen, a reset). */
export function stopReading() {
  const r = reading;
  if (!r) return;
  reading = null;
  clearTimeout(r.timer);
  highlight(r, null);
  if (player) {
    player.pause();
    player.removeAttribute('src');
    player.load();
  }
  if (r.button.isConnected) setPlaying(r.button, false, r.lang);
}
