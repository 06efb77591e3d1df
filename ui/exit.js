// "Salir": one confirm, then app.js ends the survey as the idle timeout would.
import { h, mount } from './dom.js';
import { t } from './i18n.js';

/** The Salir button for a question screen's top bar. */
export function exitButton(lang, onTap) {
  return h('button', { type: 'button', class: 'exit-btn', dataset: { testid: 'exit' }, onclick: onTap },
    h('span', { class: 'arrow', 'aria-hidden': 'true' }, '✕'), t(lang, 'exit'));
}

/** Shows the confirm in `overlay`; `onConfirm` ends the survey, "No" just closes it. */
export function showExitConfirm(overlay, lang, onConfirm) {
  const close = () => overlay.replaceChildren();
  mount(overlay, h('div', {
    class: 'idle-backdrop', dataset: { testid: 'exit-dialog' }, role: 'alertdialog', 'aria-modal': 'true',
    'aria-labelledby': 'exit-title', 'aria-describedby': 'exit-body',
  },
  h('div', { class: 'idle-card' },
    h('h2', { class: 'big-title', id: 'exit-title' }, t(lang, 'exitTitle')),
    h('p', { class: 'lead', id: 'exit-body' }, t(lang, 'exitBody')),
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'nav-btn', dataset: { testid: 'exit-cancel' }, onclick: close },
        t(lang, 'exitCancel')),
      h('button', {
        type: 'button', class: 'nav-btn primary', dataset: { testid: 'exit-confirm' },
        onclick: () => { close(); onConfirm(); },
      }, t(lang, 'exitConfirm'))))));
  overlay.querySelector('[data-testid="exit-cancel"]').focus();
}
