// "Letra grande / Alto contraste": larger text and targets and a high-contrast
// palette (style.css, `body.access`), for the current patient only.
import { h } from './dom.js';
import { t } from './i18n.js';

/** Applies the mode to the whole page (both screens and overlays). */
export function applyAccess(on) {
  document.body.classList.toggle('access', on);
  document.body.dataset.access = on ? 'on' : 'off';
}

/** The switch, for the attract screen and every question's top bar. */
export function accessToggle(lang, on, onToggle) {
  return h('button', {
    type: 'button', class: `access-btn${on ? ' is-on' : ''}`, dataset: { testid: 'access' },
    'aria-pressed': String(on), onclick: () => onToggle(!on),
  }, h('span', { class: 'access-icon', 'aria-hidden': 'true' }, 'A', h('span', { class: 'access-big' }, 'A')),
  h('span', { class: 'access-text' }, t(lang, 'access')));
}
