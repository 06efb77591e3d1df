// After a bad experience: when Rust says the submitted answers met an alert
// rule of the survey (mistreatment, disrespect, discrimination), the closing
// screen first says where to complain, in large type, with its own
// "Entendido"; then the usual thanks. The words are the unit's
// (`unit.complaints_text`) or the default naming the unit's Trato Digno module.
import { h } from './dom.js';
import { t } from './i18n.js';
import { infoIcon } from './faces.js';

/** The text to show: the unit's own, else the default in the patient's language. */
export function complaintsText(lang, config) {
  if (config.complaintsText) return config.complaintsText;
  return config.unitName
    ? t(lang, 'complaintsDefault', { unit: config.unitName })
    : t(lang, 'complaintsDefaultNoUnit');
}

/** ctx = { lang, config, onOk() } */
export function complaintsScreen({ lang, config, onOk }) {
  return h('section', {
    class: 'screen center-screen complaints', dataset: { testid: 'complaints' },
    role: 'alertdialog', 'aria-labelledby': 'complaints-title', 'aria-describedby': 'complaints-text',
  },
  infoIcon(),
  h('h1', { class: 'big-title complaints-title', id: 'complaints-title' }, t(lang, 'complaintsTitle')),
  h('p', { class: 'complaints-text', id: 'complaints-text' }, complaintsText(lang, config)),
  h('button', {
    type: 'button', class: 'nav-btn primary wide complaints-ok', dataset: { testid: 'complaints-ok' }, onclick: onOk,
  }, t(lang, 'complaintsOk')));
}
