-- The daily figures keep only what every survey has: how many responses and
-- how many alerts. What the answers mean (the former per-question columns)
-- is counted per declared indicator in indicator_figures and
-- indicator_unit_figures (0006), filled for older responses by
-- `trato-central rollup rebuild` (an upgrade step, docs/dashboard.md).
-- One copy per table rather than a DROP COLUMN per column, each of which
-- would rewrite the table.
CREATE TABLE daily_figures_0008 (
    day          TEXT NOT NULL,
    unit_clues   TEXT NOT NULL,
    service_area TEXT NOT NULL,
    responses    INTEGER NOT NULL,
    alerts       INTEGER NOT NULL,
    PRIMARY KEY (day, unit_clues, service_area)
) WITHOUT ROWID;
INSERT INTO daily_figures_0008 (day, unit_clues, service_area, responses, alerts)
SELECT day, unit_clues, service_area, responses, alerts FROM daily_figures;
DROP TABLE daily_figures;
ALTER TABLE daily_figures_0008 RENAME TO daily_figures;
CREATE INDEX daily_figures_unit ON daily_figures (unit_clues, day);

CREATE TABLE daily_unit_figures_0008 (
    day          TEXT NOT NULL,
    unit_clues   TEXT NOT NULL,
    responses    INTEGER NOT NULL,
    alerts       INTEGER NOT NULL,
    PRIMARY KEY (day, unit_clues)
) WITHOUT ROWID;
INSERT INTO daily_unit_figures_0008 (day, unit_clues, responses, alerts)
SELECT day, unit_clues, responses, alerts FROM daily_unit_figures;
DROP TABLE daily_unit_figures;
ALTER TABLE daily_unit_figures_0008 RENAME TO daily_unit_figures;
CREATE INDEX daily_unit_figures_unit ON daily_unit_figures (unit_clues, day);
