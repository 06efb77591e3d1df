-- Publishing by scope (`survey publish --scope`): a publication is for the
-- whole institute, one OOAD or UMAE (by its catalogue name) or one unit, in
-- force from `active_from` until withdrawn. Among those in force for a unit
-- the narrowest scope wins (docs/survey-format.md, Publishing).
ALTER TABLE survey_publications ADD COLUMN scope_kind TEXT NOT NULL DEFAULT 'national'
    CHECK (scope_kind IN ('national', 'ooad', 'umae', 'unit'));
-- '' for national, else the OOAD/UMAE name or the unit's CLUES.
ALTER TABLE survey_publications ADD COLUMN scope_code TEXT NOT NULL DEFAULT '';
ALTER TABLE survey_publications ADD COLUMN active_from TEXT;
ALTER TABLE survey_publications ADD COLUMN withdrawn_at TEXT;
UPDATE survey_publications SET scope_kind = 'unit', scope_code = unit_clues
    WHERE unit_clues IS NOT NULL;
UPDATE survey_publications SET active_from = published_at;

-- What each kiosk last said about its survey when it asked for the active
-- one: the survey format it reads, the version it runs, and why it could not
-- use an offered survey (empty when it could).
CREATE TABLE kiosk_surveys (
    kiosk_id       TEXT PRIMARY KEY,
    reads_format   INTEGER NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    problem        TEXT NOT NULL,
    reported_at    TEXT NOT NULL
);
