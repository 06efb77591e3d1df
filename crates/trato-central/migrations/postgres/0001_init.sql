CREATE TABLE kiosks (
    id                   TEXT PRIMARY KEY,
    unit_clues           TEXT NOT NULL,
    name                 TEXT NOT NULL,
    token_hash           TEXT NOT NULL UNIQUE,
    created_at           TIMESTAMPTZ NOT NULL,
    revoked_at           TIMESTAMPTZ,
    last_seen_at         TIMESTAMPTZ,
    last_clock_offset_ms BIGINT
);

CREATE TABLE surveys (
    survey_id    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    definition   TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (survey_id, version)
);

CREATE TABLE survey_publications (
    id           BIGSERIAL PRIMARY KEY,
    survey_id    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    unit_clues   TEXT,
    published_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (survey_id, version) REFERENCES surveys (survey_id, version)
);
CREATE INDEX survey_publications_unit ON survey_publications (unit_clues, id);

CREATE TABLE responses (
    id                 UUID PRIMARY KEY,
    content_hash       TEXT NOT NULL,
    survey_id          TEXT NOT NULL,
    survey_version     BIGINT NOT NULL,
    unit_clues         TEXT NOT NULL,
    unit_name          TEXT NOT NULL,
    service_area       TEXT NOT NULL,
    kiosk_id           TEXT NOT NULL,
    language           TEXT NOT NULL,
    status             TEXT NOT NULL,
    flag_reason        TEXT,
    started_at         TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ NOT NULL,
    utc_offset_minutes INTEGER NOT NULL,
    seq                BIGINT NOT NULL,
    kiosk_sent_at      TIMESTAMPTZ NOT NULL,
    received_at        TIMESTAMPTZ NOT NULL,
    clock_offset_ms    BIGINT NOT NULL,
    clock_skewed       BOOLEAN NOT NULL,
    canonical_json     TEXT NOT NULL
);
CREATE INDEX responses_unit_finished ON responses (unit_clues, finished_at);
CREATE INDEX responses_survey ON responses (survey_id, survey_version);
CREATE INDEX responses_kiosk_seq ON responses (kiosk_id, seq);

CREATE TABLE answers (
    response_id UUID NOT NULL REFERENCES responses (id),
    question    TEXT NOT NULL,
    code        TEXT,
    text        TEXT
);
CREATE INDEX answers_response ON answers (response_id);
CREATE INDEX answers_question_code ON answers (question, code);
