-- Kiosks and their tokens (only the SHA-256 of a token is kept).
CREATE TABLE kiosks (
    id                   TEXT PRIMARY KEY,
    unit_clues           TEXT NOT NULL,
    name                 TEXT NOT NULL,
    token_hash           TEXT NOT NULL UNIQUE,
    created_at           TEXT NOT NULL,
    revoked_at           TEXT,
    last_seen_at         TEXT,
    last_clock_offset_ms INTEGER
);

-- Survey versions known to the centre; a stored version is never edited.
CREATE TABLE surveys (
    survey_id    TEXT NOT NULL,
    version      INTEGER NOT NULL,
    definition   TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    added_at     TEXT NOT NULL,
    PRIMARY KEY (survey_id, version)
);

-- Publication events; the newest one for a unit (or for all, unit NULL) is active.
CREATE TABLE survey_publications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id    TEXT NOT NULL,
    version      INTEGER NOT NULL,
    unit_clues   TEXT,
    published_at TEXT NOT NULL,
    FOREIGN KEY (survey_id, version) REFERENCES surveys (survey_id, version)
);
CREATE INDEX survey_publications_unit ON survey_publications (unit_clues, id);

-- One row per response, forever: the id is the permanent idempotency key.
CREATE TABLE responses (
    id                 TEXT PRIMARY KEY,
    content_hash       TEXT NOT NULL,
    survey_id          TEXT NOT NULL,
    survey_version     INTEGER NOT NULL,
    unit_clues         TEXT NOT NULL,
    unit_name          TEXT NOT NULL,
    service_area       TEXT NOT NULL,
    kiosk_id           TEXT NOT NULL,
    language           TEXT NOT NULL,
    status             TEXT NOT NULL,
    flag_reason        TEXT,
    started_at         TEXT NOT NULL,
    finished_at        TEXT NOT NULL,
    utc_offset_minutes INTEGER NOT NULL,
    seq                INTEGER NOT NULL,
    kiosk_sent_at      TEXT NOT NULL,
    received_at        TEXT NOT NULL,
    clock_offset_ms    INTEGER NOT NULL,
    clock_skewed       INTEGER NOT NULL,
    canonical_json     TEXT NOT NULL
);
CREATE INDEX responses_unit_finished ON responses (unit_clues, finished_at);
CREATE INDEX responses_survey ON responses (survey_id, survey_version);
CREATE INDEX responses_kiosk_seq ON responses (kiosk_id, seq);

-- Answers, one row per chosen option (and one with `code` NULL for free text),
-- so counts per question and option are a plain GROUP BY.
CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id),
    question    TEXT NOT NULL,
    code        TEXT,
    text        TEXT
);
CREATE INDEX answers_response ON answers (response_id);
CREATE INDEX answers_question_code ON answers (question, code);
