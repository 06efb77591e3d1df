// The language switch: each of the survey's languages in its own name
// (endonym, from lang/<code>.js). Two languages sit side by side (one tap);
// three or more become one button naming the current language that opens a
// list of them all, so the top bar keeps its size whatever the survey has.
import { h, s, mount } from './dom.js';
import { t, languageName, htmlLang } from './i18n.js';

const INLINE_MAX = 2;

function langButton(code, current, onPick, extraClass = '') {
  return h('button', {
    type: 'button',
    class: `lang${extraClass}${code === current ? ' is-current' : ''}`,
    dataset: { testid: `lang-${code}` },
    lang: htmlLang(code),
    'aria-pressed': String(code === current),
    onclick: () => onPick(code),
  }, languageName(code));
}

function globeIcon() {
  return s('svg', { class: 'lang-globe', viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' },
    s('circle', { cx: 12, cy: 12, r: 10 }),
    s('ellipse', { cx: 12, cy: 12, rx: 4.5, ry: 10 }),
    s('path', { d: 'M2 12h20M4 6.5h16M4 17.5h16' }));
}

/** ctx = { languages, current, overlay, onPick(code) }; null for a one-language survey. */
export function langSwitch(ctx) {
  const { languages, current, onPick } = ctx;
  if (languages.length < 2) return null;
  if (languages.length <= INLINE_MAX) {
    return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t(current, 'langGroup') },
      languages.map((code) => langButton(code, current, onPick)));
  }
  return h('button', {
    type: 'button', class: 'lang lang-menu is-current', dataset: { testid: 'lang-menu' },
    'aria-haspopup': 'dialog', 'aria-label': `${t(current, 'langChoose')}: ${languageName(current)}`,
    onclick: () => showLanguages(ctx),
  }, globeIcon(), h('span', { lang: htmlLang(current) }, languageName(current)));
}

/** The list of every language, in the survey's order, above the screen. */
function showLanguages({ languages, current, overlay, onPick }) {
  const close = () => overlay.replaceChildren();
  const pickAndClose = (code) => { close(); onPick(code); };
  mount(overlay, h('div', {
    class: 'idle-backdrop', dataset: { testid: 'lang-dialog' }, role: 'dialog', 'aria-modal': 'true',
    'aria-labelledby': 'lang-title',
    onclick: (e) => { if (e.target === e.currentTarget) close(); },
  },
  h('div', { class: 'idle-card lang-card' },
    h('h2', { class: 'big-title', id: 'lang-title' }, t(current, 'langChoose')),
    h('div', { class: 'lang-list', role: 'group', 'aria-labelledby': 'lang-title' },
      languages.map((code) => langButton(code, current, pickAndClose, ' lang-choice'))),
    h('button', { type: 'button', class: 'nav-btn', dataset: { testid: 'lang-close' }, onclick: close },
      t(current, 'langClose')))));
  overlay.querySelector('.lang-choice.is-current')?.focus();
}
