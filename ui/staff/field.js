// Text fields typed with the on-screen keyboard (no OS keyboard on a kiosk).
// One keyboard, docked at the bottom of the screen, serves whichever field is active.
// The field element itself carries the test id; tapping it shows the keyboard with its
// current value "selected": the first key replaces it (like a selected input), ⌫ clears it.
import { h } from '../dom.js';
import { createKeyboard } from '../keyboard.js';

export function createFields(dock) {
  let active = null;

  function close() {
    if (active) active.deactivate();
    active = null;
    dock.replaceChildren();
    dock.hidden = true;
    document.body.classList.remove('has-keyboard');
  }

  /**
   * field({ testid, value, layout: 'text'|'clues'|'numeric', max, masked, placeholder, label, onChange })
   * -> HTMLElement with .value / .setValue(v) / .setError(text|null)
   */
  function field(opts) {
    const { testid, layout = 'text', max = 120, masked = false, placeholder = '', label = '', onChange = () => {} } = opts;
    let value = opts.value ?? '';
    let selected = false;
    const text = h('span', { class: 'field-text' });
    const caret = h('span', { class: 'field-caret', 'aria-hidden': 'true' });
    const el = h('div', {
      class: `field field-${layout}${masked ? ' is-masked' : ''}`, role: 'textbox', tabindex: '0',
      'aria-label': label || null, dataset: { testid },
      onclick: () => activate(),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); activate(); } },
    }, text, caret);

    function paint() {
      if (!value) { text.textContent = placeholder; text.classList.add('is-placeholder'); } else {
        text.textContent = masked ? '●'.repeat(value.length) : value;
        text.classList.remove('is-placeholder');
      }
      text.classList.toggle('is-selected', selected && !!value);
      if (!masked) el.dataset.value = value; else el.dataset.length = String(value.length);
    }

    function set(v, notify = true) {
      value = v;
      paint();
      if (notify) onChange(value);
    }

    function activate() {
      if (active === el) return;
      if (active) active.deactivate();
      active = el;
      selected = !!value;
      el.classList.add('is-active');
      paint();
      const kb = createKeyboard({
        lang: 'es', layout,
        onChar: (ch) => {
          const base = selected ? '' : value;
          selected = false;
          if (base.length >= max) return paint();
          set(base + ch);
        },
        onBackspace: () => { const base = selected ? '' : value.slice(0, -1); selected = false; set(base); },
      });
      const done = h('button', { type: 'button', class: 'kb-done', dataset: { testid: 'kb-close' }, onclick: close }, 'Listo');
      dock.replaceChildren(h('div', { class: `dock-inner dock-${layout}` },
        h('div', { class: 'dock-head' }, h('span', { class: 'dock-label' }, label), done), kb));
      dock.hidden = false;
      document.body.classList.add('has-keyboard');
      requestAnimationFrame(() => el.scrollIntoView({ block: "nearest" }));
    }

    el.deactivate = () => { selected = false; el.classList.remove('is-active'); paint(); };
    el.setValue = (v) => set(v ?? '', false);
    el.setError = (msg) => el.classList.toggle('has-error', !!msg);
    Object.defineProperty(el, 'value', { get: () => value });
    paint();
    return el;
  }

  close();
  return { field, close };
}
