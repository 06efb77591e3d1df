// On-screen Spanish keyboard. No OS keyboard on a kiosk: every character comes from here.
// Keys keep a stable data-testid (kb-<lowercase key>) whatever shift or layer shows.
import { h } from './dom.js';
import { t } from './i18n.js';

const LETTERS = [
  ['á', 'é', 'í', 'ó', 'ú', 'ü', '¿', '?'],
  ['q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p'],
  ['a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'ñ'],
  ['SHIFT', 'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', 'BACKSPACE'],
  ['123', 'SPACE'],
];

const SYMBOLS = [
  ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'],
  ['¿', '?', '¡', '!', '(', ')', '-', ':', ';', '"'],
  ['@', '#', '$', '%', '&', '/', '+', '=', "'", '*'],
  ['_', ',', '.', 'BACKSPACE'],
  ['123', 'SPACE'],
];

// Staff/IT layouts. CLUES codes are upper-case letters and digits only; PINs and
// numbers are digits only. Test ids stay lowercase (kb-q, kb-1) in every layout.
const CLUES = [
  ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'],
  ['q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p'],
  ['a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l'],
  ['z', 'x', 'c', 'v', 'b', 'n', 'm', 'BACKSPACE'],
];

const NUMERIC = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
  ['0', 'BACKSPACE'],
];

/**
 * createKeyboard({ lang, onChar(ch), onBackspace(), layout }) -> HTMLElement
 * layout: 'text' (default, the patient keyboard), 'clues' (A-Z upper case + digits),
 * 'numeric' (0-9). Shift is one-shot (like a phone): it applies to the next letter only.
 */
export function createKeyboard({ lang, onChar, onBackspace, layout = 'text' }) {
  let layer = 'letters';
  let shift = false;
  const upper = layout === 'clues';
  const root = h('div', { class: `keyboard kb-layout-${layout}`, role: 'group', 'aria-label': t(lang, 'kbGroup') });

  const press = (key) => {
    if (key === 'SHIFT') { shift = !shift; return render(); }
    if (key === '123') { layer = layer === 'letters' ? 'symbols' : 'letters'; shift = false; return render(); }
    if (key === 'BACKSPACE') return onBackspace();
    if (key === 'SPACE') return onChar(' ');
    onChar(shift || upper ? key.toUpperCase() : key);
    if (shift) { shift = false; render(); }
  };

  function keyButton(key) {
    const special = { SHIFT: 'shift', BACKSPACE: 'backspace', SPACE: 'space', '123': '123' }[key];
    const id = special || key;
    let label = shift || upper ? key.toUpperCase() : key;
    let aria = null;
    if (key === 'SHIFT') { label = shift ? '⇧ abc' : '⇧ ABC'; aria = t(lang, 'kbShift'); }
    if (key === 'BACKSPACE') { label = '⌫'; aria = t(lang, 'kbBackspace'); }
    if (key === 'SPACE') { label = t(lang, 'kbSpace'); }
    if (key === '123') { label = layer === 'letters' ? '123' : 'abc'; aria = t(lang, layer === 'letters' ? 'kbSymbols' : 'kbLetters'); }
    return h('button', {
      type: 'button',
      class: `key key-${special || 'char'}${key === 'SHIFT' && shift ? ' is-on' : ''}`,
      dataset: { testid: `kb-${id}` },
      'aria-label': aria,
      'aria-pressed': key === 'SHIFT' ? String(shift) : null,
      onclick: () => press(key),
    }, label);
  }

  function render() {
    const rows = layout === 'clues' ? CLUES : layout === 'numeric' ? NUMERIC
      : layer === 'letters' ? LETTERS : SYMBOLS;
    root.replaceChildren(...rows.map((row, i) => h('div', { class: `kb-row kb-row-${i}` }, row.map(keyButton))));
  }

  render();
  return root;
}
