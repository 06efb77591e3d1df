// Drawn SVG faces and icons (built with DOM APIs: no markup strings, CSP-safe, offline).
import { s } from './dom.js';

const INK = '#13322B';

// Face fill per level 1..5 (Muy mal .. Muy bien). Colour is never alone: face + word.
export const FACE_COLORS = {
  1: '#E15A4F',
  2: '#F29A4A',
  3: '#F5CF4E',
  4: '#9CCB7A',
  5: '#3DAA6B',
};

const MOUTHS = {
  1: 'M30 76 Q50 54 70 76',
  2: 'M32 72 Q50 62 68 72',
  3: 'M32 69 L68 69',
  4: 'M31 63 Q50 79 69 63',
  5: 'M27 58 Q50 92 73 58 Z',
};

/** A face for level "1".."5". Decorative: the button carries the word. */
export function face(level) {
  const n = Number(level);
  const stroke = { stroke: INK, 'stroke-width': 5, 'stroke-linecap': 'round', fill: 'none' };
  const svg = s('svg', { viewBox: '0 0 100 100', class: 'face', 'aria-hidden': 'true', focusable: 'false' },
    s('circle', { cx: 50, cy: 50, r: 46, fill: FACE_COLORS[n] || '#ccc', stroke: INK, 'stroke-width': 3 }),
    s('circle', { cx: 35, cy: 41, r: 5.5, fill: INK }),
    s('circle', { cx: 65, cy: 41, r: 5.5, fill: INK }),
  );
  if (n === 1) {
    // Worried brows make "very bad" readable at a glance, not just a bigger frown.
    svg.append(s('path', { d: 'M23 33 L41 26', ...stroke }), s('path', { d: 'M77 33 L59 26', ...stroke }));
  }
  if (n === 5) svg.append(s('path', { d: MOUTHS[5], fill: INK, stroke: INK, 'stroke-width': 4, 'stroke-linejoin': 'round' }));
  else svg.append(s('path', { d: MOUTHS[n] || MOUTHS[3], ...stroke }));
  return svg;
}

function icon(children, cls = 'icon') {
  return s('svg', { viewBox: '0 0 100 100', class: cls, 'aria-hidden': 'true', focusable: 'false' }, ...children);
}

const line = (d, color, w = 12) =>
  s('path', { d, fill: 'none', stroke: color, 'stroke-width': w, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' });

export function checkIcon(color = '#0B6B3A', bg = '#DCEFE3') {
  return icon([s('circle', { cx: 50, cy: 50, r: 46, fill: bg, stroke: color, 'stroke-width': 4 }), line('M28 52 L44 68 L73 35', color)]);
}

export function crossIcon(color = '#A61E1E', bg = '#F8E0DD') {
  return icon([s('circle', { cx: 50, cy: 50, r: 46, fill: bg, stroke: color, 'stroke-width': 4 }), line('M33 33 L67 67 M67 33 L33 67', color)]);
}

/** "En parte": a half-filled circle. */
export function halfIcon(color = '#8A5A00', bg = '#FBEFD2') {
  return icon([
    s('circle', { cx: 50, cy: 50, r: 46, fill: bg, stroke: color, 'stroke-width': 4 }),
    s('path', { d: 'M50 18 A32 32 0 0 0 50 82 Z', fill: color }),
    s('circle', { cx: 50, cy: 50, r: 32, fill: 'none', stroke: color, 'stroke-width': 6 }),
  ]);
}

/** A finger tapping: tells non-readers what to do on the attract screen. */
export function tapIcon() {
  return icon([
    s('circle', { cx: 42, cy: 22, r: 14, fill: 'none', stroke: 'currentColor', 'stroke-width': 4, opacity: 0.6 }),
    s('path', {
      d: 'M36 22 a6 6 0 0 1 12 0 V52 l4 -2 a6 6 0 0 1 6 1 l2 1 a6 6 0 0 1 8 2 a6 6 0 0 1 8 3 v14 c0 12 -8 22 -20 22 h-6 c-8 0 -14 -4 -18 -10 l-12 -18 a6 6 0 0 1 10 -7 l6 7 Z',
      fill: 'currentColor',
    }),
  ], 'icon tap-icon');
}

/** Calm "information" symbol for the error screen (not an alarm). */
export function infoIcon() {
  return icon([
    s('circle', { cx: 50, cy: 50, r: 46, fill: '#E7EEF2', stroke: '#2F5466', 'stroke-width': 4 }),
    s('circle', { cx: 50, cy: 29, r: 7, fill: '#2F5466' }),
    line('M50 46 V74', '#2F5466', 11),
  ], 'icon big-icon');
}

export function thanksIcon() {
  return icon([
    s('circle', { cx: 50, cy: 50, r: 46, fill: '#006657' }),
    line('M28 52 L44 68 L73 35', '#FFFFFF'),
  ], 'icon big-icon');
}

/** Icon for a yes/no option code. */
export function yesNoIcon(code) {
  if (code === 'si' || code === 'yes') return checkIcon();
  if (code === 'no') return crossIcon();
  return halfIcon();
}
