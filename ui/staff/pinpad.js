// PIN pad: big digits, masked dots, Borrar / Entrar. Test ids pin-0..pin-9, pin-clear, pin-enter.
import { h } from '../dom.js';

export const PIN_MIN = 4;
export const PIN_MAX = 8;

/** pinPad({ onEnter(pin), disabled }) -> { el, clear(), setDisabled(bool) } */
export function pinPad({ onEnter, disabled = false }) {
  let pin = '';
  let off = disabled;
  const dots = h('div', { class: 'pin-dots', role: 'status', 'aria-live': 'polite', dataset: { testid: 'pin-dots' } });
  const keys = [];

  const paint = () => {
    const slots = Math.max(PIN_MIN, pin.length);
    dots.replaceChildren(...Array.from({ length: slots }, (_, i) => h('span', { class: `pin-dot${i < pin.length ? ' is-on' : ''}` })));
    dots.setAttribute('aria-label', `${pin.length} números escritos`);
    dots.dataset.length = String(pin.length);
    for (const k of keys) k.disabled = off || (k.dataset.kind === 'enter' && pin.length < PIN_MIN)
      || (k.dataset.kind === 'digit' && pin.length >= PIN_MAX);
  };

  const key = (label, testid, kind, fn, extra = '') => {
    const b = h('button', { type: 'button', class: `pin-key pin-${kind}${extra}`, dataset: { testid, kind }, onclick: fn }, label);
    keys.push(b);
    return b;
  };
  const digit = (d) => key(d, `pin-${d}`, 'digit', () => { if (!off && pin.length < PIN_MAX) { pin += d; paint(); } });

  const grid = h('div', { class: 'pin-grid' },
    ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map(digit),
    key('Borrar', 'pin-clear', 'clear', () => { pin = ''; paint(); }),
    digit('0'),
    key('Entrar', 'pin-enter', 'enter', () => { if (!off && pin.length >= PIN_MIN) { const p = pin; pin = ''; paint(); onEnter(p); } }));

  paint();
  return {
    el: h('div', { class: 'pin-pad' }, dots, grid),
    clear() { pin = ''; paint(); },
    setDisabled(v) { off = v; if (v) pin = ''; paint(); },
  };
}
