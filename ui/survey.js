// Pure survey logic: visibility (show_if), pruning, validity, and the IPC answer payload.
// Answers live in a Map: questionId -> {codes: string[]} | {text: string}.

export const DEFAULT_MAX_CHARS = 500;

/** Codes a question offers; recommend implies "0".."10". */
export function optionCodes(q) {
  if (q.kind === 'recommend') return Array.from({ length: 11 }, (_, i) => String(i));
  return (q.options || []).map((o) => o.code);
}

export function isSingle(q) {
  return q.kind === 'faces' || q.kind === 'yes_no' || q.kind === 'single_choice' || q.kind === 'recommend';
}

export function maxChars(q) {
  return Number.isInteger(q.max_chars) && q.max_chars > 0 ? q.max_chars : DEFAULT_MAX_CHARS;
}

/** Questions visible for the current answers, in survey order.
 *  Hiding is transitive: a condition on a hidden question is false. */
export function visibleQuestions(survey, answers) {
  const shown = new Set();
  return survey.questions.filter((q) => {
    let ok = true;
    if (q.show_if) {
      const a = shown.has(q.show_if.question) ? answers.get(q.show_if.question) : null;
      const codes = (a && a.codes) || [];
      ok = codes.some((c) => q.show_if.any_of.includes(c));
    }
    if (ok) shown.add(q.id);
    return ok;
  });
}

/** Drop answers to questions that are no longer visible (repeat: conditions may chain). */
export function pruneAnswers(survey, answers) {
  for (;;) {
    const visible = new Set(visibleQuestions(survey, answers).map((q) => q.id));
    const stale = [...answers.keys()].filter((id) => !visible.has(id));
    if (stale.length === 0) return;
    stale.forEach((id) => answers.delete(id));
  }
}

/** Has this question got a usable answer? */
export function isAnswered(q, answers) {
  const a = answers.get(q.id);
  if (!a) return false;
  if (q.kind === 'free_text') return typeof a.text === 'string' && a.text.trim().length > 0;
  return Array.isArray(a.codes) && a.codes.length > 0;
}

/** May the patient move on from q? (optional questions may be skipped) */
export function canContinue(q, answers) {
  return !q.required || isAnswered(q, answers);
}

/** IPC payload: visible, answered questions in survey order. */
export function answersPayload(survey, answers) {
  const out = [];
  for (const q of visibleQuestions(survey, answers)) {
    if (!isAnswered(q, answers)) continue;
    const a = answers.get(q.id);
    if (q.kind === 'free_text') out.push({ question: q.id, text: a.text.trim() });
    else out.push({ question: q.id, codes: [...a.codes] });
  }
  return out;
}
