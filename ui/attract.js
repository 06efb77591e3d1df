// The attract screen: the whole screen starts the survey, and each face of
// the survey's headline question starts it with that answer (one tap fewer).
import { h } from './dom.js';
import { t, pick } from './i18n.js';
import { face, tapIcon } from './faces.js';

/** The headline question (the survey marks it), or null. */
export function headlineQuestion(survey) {
  return survey.questions.find((q) => q.headline && q.kind === 'faces') || null;
}

/** ctx = { lang, config, onStart(), onFace(question, code), top: Node[], extra: Node[] } */
export function attractScreen(ctx) {
  const { lang, config } = ctx;
  const survey = config.survey;
  const unit = [config.unitName, config.serviceArea].filter(Boolean).join(' · ');
  const headline = headlineQuestion(survey);
  const faces = headline
    ? h('div', { class: 'attract-faces', role: 'group', 'aria-label': pick(headline.prompt, lang) },
      (headline.options || []).map((o) => h('button', {
        type: 'button', class: `attract-face level-${o.code}`,
        dataset: { testid: `attract-face-${o.code}` },
        onclick: () => ctx.onFace(headline, o.code),
      }, face(o.code), h('span', { class: 'attract-face-label' }, pick(o.label, lang)))))
    : null;
  return h('section', {
    class: 'screen attract',
    // A tap anywhere but on a button starts the survey, as the big button does.
    onclick: (e) => { if (!e.target.closest('button')) ctx.onStart(); },
  },
  h('div', { class: 'attract-top' }, ctx.top),
  h('div', { class: 'attract-body' },
    h('span', { class: 'brand' }, pick(survey.title, lang)),
    h('h1', { class: 'welcome', id: 'att-title' }, t(lang, 'welcome')),
    h('p', { class: 'subtitle' }, headline ? pick(headline.prompt, lang) : t(lang, 'subtitle')),
    faces,
    h('button', {
      type: 'button', class: 'tap-cta', dataset: { testid: 'start' }, onclick: ctx.onStart,
    }, tapIcon(), h('span', {}, t(lang, 'tapToStart'))),
    ctx.extra,
    unit ? h('p', { class: 'unit' }, unit) : null,
    config.demo ? h('span', { class: 'demo-badge' }, t(lang, 'demo')) : null));
}
