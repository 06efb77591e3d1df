// Answer widgets, one per question kind. Each returns an element; taps call back into app.js.
import { h } from './dom.js';
import { t, pick } from './i18n.js';
import { face, yesNoIcon, checkIcon } from './faces.js';
import { optionCodes, maxChars } from './survey.js';
import { createKeyboard } from './keyboard.js';

const selectedCodes = (answers, q) => (answers.get(q.id) && answers.get(q.id).codes) || [];

function optionButton(q, code, selected, cls, onPick, ...content) {
  return h('button', {
    type: 'button',
    class: `option ${cls}${selected ? ' is-selected' : ''}`,
    dataset: { testid: `answer-${q.id}-${code}`, code },
    'aria-pressed': String(selected),
    onclick: () => onPick(code),
  }, ...content, selected ? h('span', { class: 'tick' }, checkIcon('#FFFFFF', '#006657')) : null);
}

function faces(q, ctx) {
  const chosen = selectedCodes(ctx.answers, q);
  return h('div', { class: 'answers faces', role: 'group' },
    (q.options || []).map((o) => {
      const btn = optionButton(q, o.code, chosen.includes(o.code), `face-option level-${o.code}`, ctx.onPick,
        face(o.code), h('span', { class: 'option-label' }, pick(o.label, ctx.lang)));
      return btn;
    }));
}

function yesNo(q, ctx) {
  const chosen = selectedCodes(ctx.answers, q);
  return h('div', { class: `answers yes-no count-${(q.options || []).length}`, role: 'group' },
    (q.options || []).map((o) => optionButton(q, o.code, chosen.includes(o.code), `yn-option yn-${o.code}`, ctx.onPick,
      yesNoIcon(o.code), h('span', { class: 'option-label' }, pick(o.label, ctx.lang)))));
}

function choices(q, ctx, multi) {
  const chosen = selectedCodes(ctx.answers, q);
  const opts = q.options || [];
  return h('div', { class: `answers choices${multi ? ' multi' : ''}${opts.length > 5 ? ' many' : ''}`, role: 'group' },
    opts.map((o) => optionButton(q, o.code, chosen.includes(o.code), 'choice-option', multi ? ctx.onToggle : ctx.onPick,
      // Multiple choice shows a checkbox square so "you can pick several" is visible, not just said.
      multi ? h('span', { class: 'box', 'aria-hidden': 'true' }) : h('span', { class: 'radio', 'aria-hidden': 'true' }),
      h('span', { class: 'option-label' }, pick(o.label, ctx.lang)))));
}

function recommend(q, ctx) {
  const chosen = selectedCodes(ctx.answers, q);
  return h('div', { class: 'answers recommend' },
    h('div', { class: 'scale', role: 'group' },
      optionCodes(q).map((code) => optionButton(q, code, chosen.includes(code), `scale-option band-${band(code)}`, ctx.onPick,
        h('span', { class: 'option-label' }, code)))),
    h('div', { class: 'scale-ends', 'aria-hidden': 'true' },
      h('span', {}, `0 = ${t(ctx.lang, 'recommendLow')}`),
      h('span', {}, `10 = ${t(ctx.lang, 'recommendHigh')}`)));
}

const band = (code) => (Number(code) <= 6 ? 'low' : Number(code) <= 8 ? 'mid' : 'high');

function freeText(q, ctx) {
  const max = maxChars(q);
  const current = (ctx.answers.get(q.id) && ctx.answers.get(q.id).text) || '';
  const area = h('textarea', {
    class: 'text-answer',
    dataset: { testid: `text-${q.id}` },
    readOnly: true, // the OS keyboard must never open; ours fills it
    inputmode: 'none',
    rows: 3,
    maxlength: String(max),
    placeholder: t(ctx.lang, 'textPlaceholder'),
    'aria-label': pick(q.prompt, ctx.lang),
  });
  area.value = current;
  const counter = h('div', { class: 'counter', 'aria-hidden': 'true' });
  const update = (text) => {
    area.value = text;
    area.scrollTop = area.scrollHeight;
    counter.textContent = t(ctx.lang, 'chars', { n: [...text].length, max });
    counter.classList.toggle('is-full', [...text].length >= max);
    ctx.onText(text);
  };
  counter.textContent = t(ctx.lang, 'chars', { n: [...current].length, max });
  const kb = createKeyboard({
    lang: ctx.lang,
    onChar: (ch) => {
      const now = [...area.value];
      if (now.length >= max) return;
      update(now.concat(ch).join(''));
    },
    onBackspace: () => update([...area.value].slice(0, -1).join('')),
  });
  return h('div', { class: 'answers free-text' }, h('div', { class: 'text-wrap' }, area, counter), kb);
}

/** ctx = { lang, answers, onPick(code), onToggle(code), onText(text) } */
export function renderAnswers(q, ctx) {
  switch (q.kind) {
    case 'faces': return faces(q, ctx);
    case 'yes_no': return yesNo(q, ctx);
    case 'single_choice': return choices(q, ctx, false);
    case 'multiple_choice': return choices(q, ctx, true);
    case 'recommend': return recommend(q, ctx);
    case 'free_text': return freeText(q, ctx);
    default: return h('p', { class: 'hint' }, `(${q.kind})`);
  }
}
