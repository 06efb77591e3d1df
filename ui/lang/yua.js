// Maya (yucateco): only its own name for now (the language switch shows it); every word
// falls back to Spanish until a translator adds them here, with the keys of
// es.js. Plain JSON inside (see es.js).
export default {
  "name": "Maaya t'aan"
};
