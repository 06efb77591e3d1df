// Inactivity watchdog: idle -> "¿Sigue ahí?" prompt with countdown -> timeout.
// It only counts time while armed (during a survey); activity re-arms it.

export function createIdle({ onPrompt, onTick, onTimeout }) {
  let idleMs = 60000;
  let promptSeconds = 15;
  let armed = false;
  let prompting = false;
  let idleTimer = null;
  let tickTimer = null;
  let left = 0;

  const clear = () => {
    clearTimeout(idleTimer);
    clearInterval(tickTimer);
    idleTimer = tickTimer = null;
  };

  const startIdle = () => {
    clear();
    prompting = false;
    if (armed) idleTimer = setTimeout(prompt, idleMs);
  };

  function prompt() {
    prompting = true;
    left = promptSeconds;
    onPrompt(left);
    tickTimer = setInterval(() => {
      left -= 1;
      if (left > 0) return onTick(left);
      clear();
      prompting = false;
      armed = false;
      onTimeout();
    }, 1000);
  }

  return {
    configure(idleSeconds, idlePromptSeconds) {
      idleMs = Math.max(1, Number(idleSeconds) || 60) * 1000;
      promptSeconds = Math.max(1, Number(idlePromptSeconds) || 15);
    },
    /** Start watching (survey began). */
    arm() { armed = true; startIdle(); },
    /** Stop watching (attract/thanks/error, or an invoke is in flight). */
    disarm() { armed = false; prompting = false; clear(); },
    /** Any touch or key: restart the wait, unless the prompt is up (its button answers it). */
    activity() { if (armed && !prompting) startIdle(); },
    /** Patient said "Sí, continuar". */
    dismiss() { if (armed) startIdle(); },
    get prompting() { return prompting; },
  };
}
