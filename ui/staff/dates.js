// Local-day date helpers for the export period (pure; dates are {y, m, d} with m 1..12).

export const MONTHS = ['ene', 'feb', 'mar', 'abr', 'may', 'jun', 'jul', 'ago', 'sep', 'oct', 'nov', 'dic'];

export const daysIn = (y, m) => new Date(y, m, 0).getDate();

export function today(now = new Date()) {
  return { y: now.getFullYear(), m: now.getMonth() + 1, d: now.getDate() };
}

const fromJs = (dt) => ({ y: dt.getFullYear(), m: dt.getMonth() + 1, d: dt.getDate() });
const toJs = ({ y, m, d }) => new Date(y, m - 1, d, 12); // noon: no DST edge

export const addDays = (date, n) => { const dt = toJs(date); dt.setDate(dt.getDate() + n); return fromJs(dt); };

/** Same day n months away, clamped to the month's length (31 mar - 1 month = 28/29 feb). */
export function addMonths({ y, m, d }, n) {
  const idx = y * 12 + (m - 1) + n;
  const ny = Math.floor(idx / 12);
  const nm = (idx % 12) + 1;
  return { y: ny, m: nm, d: Math.min(d, daysIn(ny, nm)) };
}

export const compare = (a, b) => (a.y - b.y) || (a.m - b.m) || (a.d - b.d);

export const iso = ({ y, m, d }) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

export const label = ({ y, m, d }) => `${d} ${MONTHS[m - 1]} ${y}`;

/** Quick ranges, inclusive local days. */
export function range(kind, now = new Date()) {
  const t = today(now);
  switch (kind) {
    case 'today': return { from: t, to: t };
    case '7d': return { from: addDays(t, -6), to: t };
    case 'month': return { from: { ...t, d: 1 }, to: t };
    case 'prev-month': {
      const p = addMonths({ ...t, d: 1 }, -1);
      return { from: p, to: { ...p, d: daysIn(p.y, p.m) } };
    }
    case '2m': return { from: addDays(addMonths(t, -2), 1), to: t };
    default: throw new Error(`unknown range ${kind}`);
  }
}

/** Step one part ('d' | 'm' | 'y') of a date by delta, wrapping day/month, clamping the day. */
export function step(date, part, delta) {
  let { y, m, d } = date;
  if (part === 'd') return addDays(date, delta);
  if (part === 'm') return addMonths(date, delta);
  y += delta;
  return { y, m, d: Math.min(d, daysIn(y, m)) };
}

/** "12 mar 2026 10:41" from an RFC 3339 / epoch value, local time. */
export function dateTime(value) {
  if (value === null || value === undefined || value === '') return '';
  const dt = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  if (Number.isNaN(dt.getTime())) return String(value);
  const hh = String(dt.getHours()).padStart(2, '0');
  const mm = String(dt.getMinutes()).padStart(2, '0');
  return `${dt.getDate()} ${MONTHS[dt.getMonth()]} ${dt.getFullYear()} ${hh}:${mm}`;
}
