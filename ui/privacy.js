// The privacy notice: one line on the attract screen, and the simplified
// notice (the institution's text from the kiosk settings, or the built-in one)
// with a QR code to the full notice, drawn from the path Rust computed offline.
import { h, s, mount } from './dom.js';
import { t } from './i18n.js';

/** The attract screen's line and its "Aviso de privacidad" button. */
export function privacyLine(lang, onOpen) {
  return h('div', { class: 'privacy-line' },
    h('p', { class: 'privacy', id: 'att-privacy' }, t(lang, 'privacy')),
    h('button', { type: 'button', class: 'privacy-btn', dataset: { testid: 'privacy' }, onclick: onOpen },
      t(lang, 'privacyOpen')));
}

function qrImage(qr, label) {
  return s('svg', {
    viewBox: `0 0 ${qr.size} ${qr.size}`, class: 'qr', role: 'img', 'aria-label': label,
    'shape-rendering': 'crispEdges',
  }, s('rect', { width: qr.size, height: qr.size, fill: '#FFFFFF' }), s('path', { d: qr.path, fill: '#000000' }));
}

/** Shows the notice in `overlay` until "Cerrar". */
export function showPrivacy(overlay, lang, config) {
  const close = () => overlay.replaceChildren();
  const text = config.privacyNotice || t(lang, 'privacyNotice');
  mount(overlay, h('div', {
    class: 'idle-backdrop privacy-backdrop', dataset: { testid: 'privacy-notice' }, role: 'dialog',
    'aria-modal': 'true', 'aria-labelledby': 'privacy-title',
  },
  h('div', { class: 'idle-card privacy-card' },
    h('h2', { class: 'privacy-title', id: 'privacy-title' }, t(lang, 'privacyTitle')),
    h('p', { class: 'privacy-text' }, text),
    config.privacyQr ? h('div', { class: 'privacy-qr' },
      qrImage(config.privacyQr, t(lang, 'privacyQr')),
      h('p', {}, t(lang, 'privacyQr'), h('br'), h('span', { class: 'privacy-url' }, config.privacyUrl))) : null,
    h('button', { type: 'button', class: 'nav-btn primary wide', dataset: { testid: 'privacy-close' }, onclick: close },
      t(lang, 'privacyClose')))));
  overlay.querySelector('[data-testid="privacy-close"]').focus();
}
