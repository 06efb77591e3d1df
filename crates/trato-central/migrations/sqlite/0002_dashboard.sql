-- Dashboard (tablero): unit catalogue, staff accounts, daily figures and
-- alerts. Figures and alerts are maintained in the ingest transaction; this
-- migration also builds them for responses stored before it ran.

-- Units and the OOAD or UMAE each belongs to, from `catalogue load`.
CREATE TABLE units (
    clues       TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_kind TEXT NOT NULL CHECK (parent_kind IN ('ooad', 'umae')),
    parent      TEXT NOT NULL,
    state       TEXT NOT NULL,
    loaded_at   TEXT NOT NULL
);
CREATE INDEX units_parent ON units (parent);

-- Staff accounts (`user add`); passwords as Argon2id PHC strings.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('national', 'ooad', 'umae', 'unit')),
    scope         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);

-- One row per kiosk-local day, unit and service area (flagged responses
-- excluded). The dashboard reads only this table for its figures.
CREATE TABLE daily_figures (
    day          TEXT NOT NULL,
    unit_clues   TEXT NOT NULL,
    service_area TEXT NOT NULL,
    responses    INTEGER NOT NULL,
    trato_n      INTEGER NOT NULL,
    trato_pos    INTEGER NOT NULL,
    trato_neg    INTEGER NOT NULL,
    saludo_n     INTEGER NOT NULL,
    saludo_si    INTEGER NOT NULL,
    escucha_n    INTEGER NOT NULL,
    escucha_si   INTEGER NOT NULL,
    respuesta_n  INTEGER NOT NULL,
    respuesta_si INTEGER NOT NULL,
    respeto_n    INTEGER NOT NULL,
    respeto_no   INTEGER NOT NULL,
    alerts       INTEGER NOT NULL,
    PRIMARY KEY (day, unit_clues, service_area)
) WITHOUT ROWID;
CREATE INDEX daily_figures_unit ON daily_figures (unit_clues, day);

CREATE TABLE service_areas (
    unit_clues   TEXT NOT NULL,
    service_area TEXT NOT NULL,
    PRIMARY KEY (unit_clues, service_area)
) WITHOUT ROWID;

-- A response rated Muy mal/Mal, or answering "no" to respeto, until staff
-- mark it attended with a note.
CREATE TABLE alerts (
    response_id  TEXT PRIMARY KEY REFERENCES responses (id),
    unit_clues   TEXT NOT NULL,
    service_area TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    day          TEXT NOT NULL,
    reason       TEXT NOT NULL,
    answers      TEXT NOT NULL,
    comment      TEXT,
    attended_at  TEXT,
    attended_by  TEXT,
    note         TEXT
);
CREATE INDEX alerts_unit_day ON alerts (unit_clues, day);
CREATE INDEX alerts_day ON alerts (day);
