-- Figures that follow any survey: per kiosk-local day, unit, service area,
-- survey version and indicator (the key declared in the survey, stable
-- across versions), how many answered and how many of those answers were
-- positive, neutral and negative (sentiments from the survey definition).
-- Ingest keeps these in the batch's transaction; existing responses are
-- counted by `trato-central rollup rebuild` (an upgrade step, docs/dashboard.md).
CREATE TABLE indicator_figures (
    day            TEXT NOT NULL,
    unit_clues     TEXT NOT NULL,
    service_area   TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    indicator      TEXT NOT NULL,
    answered       INTEGER NOT NULL,
    positive       INTEGER NOT NULL,
    neutral        INTEGER NOT NULL,
    negative       INTEGER NOT NULL,
    PRIMARY KEY (day, unit_clues, service_area, survey_id, survey_version, indicator)
) WITHOUT ROWID;
CREATE INDEX indicator_figures_unit ON indicator_figures (unit_clues, day);

-- The same summed over service areas, for pages with no service area chosen
-- (the institute page reads this smaller table).
CREATE TABLE indicator_unit_figures (
    day            TEXT NOT NULL,
    unit_clues     TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    indicator      TEXT NOT NULL,
    answered       INTEGER NOT NULL,
    positive       INTEGER NOT NULL,
    neutral        INTEGER NOT NULL,
    negative       INTEGER NOT NULL,
    PRIMARY KEY (day, unit_clues, survey_id, survey_version, indicator)
) WITHOUT ROWID;
CREATE INDEX indicator_unit_figures_unit ON indicator_unit_figures (unit_clues, day);

-- Per option of the choice questions (single and multiple choice): how many
-- responses chose it.
CREATE TABLE option_figures (
    day            TEXT NOT NULL,
    unit_clues     TEXT NOT NULL,
    service_area   TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    question       TEXT NOT NULL,
    code           TEXT NOT NULL,
    chosen         INTEGER NOT NULL,
    PRIMARY KEY (day, unit_clues, service_area, survey_id, survey_version, question, code)
) WITHOUT ROWID;
CREATE INDEX option_figures_unit ON option_figures (unit_clues, day);
