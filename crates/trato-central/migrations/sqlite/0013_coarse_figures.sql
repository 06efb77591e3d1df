-- Coarser figures for the page over many units: per unit and month, and per
-- day over every unit. The institute's page over a bimester then reads a few
-- thousand rows instead of every (day, unit) row (docs/PERFORMANCE.md).
-- They are kept from the per-unit daily rollups by triggers, so ingest and
-- `rollup rebuild` (which deletes and rewrites days) cannot forget them. A
-- row may fall to zero after a rebuild; readers leave zero sums out.
-- `month` is the month's first day, written as the days are.
CREATE TABLE monthly_unit_figures (
    month        TEXT NOT NULL,
    unit_clues   TEXT NOT NULL,
    responses    INTEGER NOT NULL,
    alerts       INTEGER NOT NULL,
    PRIMARY KEY (month, unit_clues)
) WITHOUT ROWID;

CREATE TABLE monthly_indicator_unit_figures (
    month          TEXT NOT NULL,
    unit_clues     TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    indicator      TEXT NOT NULL,
    answered       INTEGER NOT NULL,
    positive       INTEGER NOT NULL,
    neutral        INTEGER NOT NULL,
    negative       INTEGER NOT NULL,
    PRIMARY KEY (month, unit_clues, survey_id, survey_version, indicator)
) WITHOUT ROWID;

-- A unit's or an OOAD's page reads its units' months.
CREATE INDEX monthly_unit_figures_unit ON monthly_unit_figures (unit_clues, month);
CREATE INDEX monthly_indicator_unit_figures_unit
    ON monthly_indicator_unit_figures (unit_clues, month);

CREATE TABLE institute_daily_figures (
    day          TEXT NOT NULL PRIMARY KEY,
    responses    INTEGER NOT NULL,
    alerts       INTEGER NOT NULL
) WITHOUT ROWID;

-- Summed over survey versions too: the chart shows an indicator per day.
CREATE TABLE institute_indicator_figures (
    day          TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    answered     INTEGER NOT NULL,
    positive     INTEGER NOT NULL,
    neutral      INTEGER NOT NULL,
    negative     INTEGER NOT NULL,
    PRIMARY KEY (day, indicator)
) WITHOUT ROWID;

INSERT INTO monthly_unit_figures (month, unit_clues, responses, alerts)
SELECT substr(day, 1, 8) || '01', unit_clues, SUM(responses), SUM(alerts)
FROM daily_unit_figures GROUP BY 1, 2;

INSERT INTO monthly_indicator_unit_figures (month, unit_clues, survey_id, survey_version,
    indicator, answered, positive, neutral, negative)
SELECT substr(day, 1, 8) || '01', unit_clues, survey_id, survey_version, indicator,
    SUM(answered), SUM(positive), SUM(neutral), SUM(negative)
FROM indicator_unit_figures GROUP BY 1, 2, 3, 4, 5;

INSERT INTO institute_daily_figures (day, responses, alerts)
SELECT day, SUM(responses), SUM(alerts) FROM daily_unit_figures GROUP BY day;

INSERT INTO institute_indicator_figures (day, indicator, answered, positive, neutral, negative)
SELECT day, indicator, SUM(answered), SUM(positive), SUM(neutral), SUM(negative)
FROM indicator_unit_figures GROUP BY day, indicator;

-- Ingest adds to a daily row in place (its month and day rows exist since
-- the row was inserted or the tables were filled); a row never moves.
CREATE TRIGGER unit_figures_added AFTER INSERT ON daily_unit_figures
BEGIN
    INSERT INTO monthly_unit_figures (month, unit_clues, responses, alerts)
    VALUES (substr(NEW.day, 1, 8) || '01', NEW.unit_clues, NEW.responses, NEW.alerts)
    ON CONFLICT (month, unit_clues) DO UPDATE
    SET responses = responses + excluded.responses, alerts = alerts + excluded.alerts;
    INSERT INTO institute_daily_figures (day, responses, alerts)
    VALUES (NEW.day, NEW.responses, NEW.alerts)
    ON CONFLICT (day) DO UPDATE
    SET responses = responses + excluded.responses, alerts = alerts + excluded.alerts;
END;

CREATE TRIGGER unit_figures_removed AFTER DELETE ON daily_unit_figures
BEGIN
    UPDATE monthly_unit_figures
    SET responses = responses - OLD.responses, alerts = alerts - OLD.alerts
    WHERE month = substr(OLD.day, 1, 8) || '01' AND unit_clues = OLD.unit_clues;
    UPDATE institute_daily_figures
    SET responses = responses - OLD.responses, alerts = alerts - OLD.alerts
    WHERE day = OLD.day;
END;

CREATE TRIGGER unit_figures_changed AFTER UPDATE ON daily_unit_figures
BEGIN
    SELECT RAISE(ABORT, 'a daily figures row never moves to another day or unit')
    WHERE NEW.day <> OLD.day OR NEW.unit_clues <> OLD.unit_clues;
    UPDATE monthly_unit_figures
    SET responses = responses + NEW.responses - OLD.responses,
        alerts = alerts + NEW.alerts - OLD.alerts
    WHERE month = substr(NEW.day, 1, 8) || '01' AND unit_clues = NEW.unit_clues;
    UPDATE institute_daily_figures
    SET responses = responses + NEW.responses - OLD.responses,
        alerts = alerts + NEW.alerts - OLD.alerts
    WHERE day = NEW.day;
END;

CREATE TRIGGER indicator_figures_added AFTER INSERT ON indicator_unit_figures
BEGIN
    INSERT INTO monthly_indicator_unit_figures (month, unit_clues, survey_id,
        survey_version, indicator, answered, positive, neutral, negative)
    VALUES (substr(NEW.day, 1, 8) || '01', NEW.unit_clues, NEW.survey_id, NEW.survey_version,
        NEW.indicator, NEW.answered, NEW.positive, NEW.neutral, NEW.negative)
    ON CONFLICT (month, unit_clues, survey_id, survey_version, indicator) DO UPDATE
    SET answered = answered + excluded.answered, positive = positive + excluded.positive,
        neutral = neutral + excluded.neutral, negative = negative + excluded.negative;
    INSERT INTO institute_indicator_figures (day, indicator, answered, positive,
        neutral, negative)
    VALUES (NEW.day, NEW.indicator, NEW.answered, NEW.positive, NEW.neutral, NEW.negative)
    ON CONFLICT (day, indicator) DO UPDATE
    SET answered = answered + excluded.answered, positive = positive + excluded.positive,
        neutral = neutral + excluded.neutral, negative = negative + excluded.negative;
END;

CREATE TRIGGER indicator_figures_removed AFTER DELETE ON indicator_unit_figures
BEGIN
    UPDATE monthly_indicator_unit_figures
    SET answered = answered - OLD.answered, positive = positive - OLD.positive,
        neutral = neutral - OLD.neutral, negative = negative - OLD.negative
    WHERE month = substr(OLD.day, 1, 8) || '01' AND unit_clues = OLD.unit_clues
      AND survey_id = OLD.survey_id AND survey_version = OLD.survey_version
      AND indicator = OLD.indicator;
    UPDATE institute_indicator_figures
    SET answered = answered - OLD.answered, positive = positive - OLD.positive,
        neutral = neutral - OLD.neutral, negative = negative - OLD.negative
    WHERE day = OLD.day AND indicator = OLD.indicator;
END;

CREATE TRIGGER indicator_figures_changed AFTER UPDATE ON indicator_unit_figures
BEGIN
    SELECT RAISE(ABORT, 'an indicator figures row never moves to another key')
    WHERE NEW.day <> OLD.day OR NEW.unit_clues <> OLD.unit_clues
       OR NEW.survey_id <> OLD.survey_id OR NEW.survey_version <> OLD.survey_version
       OR NEW.indicator <> OLD.indicator;
    UPDATE monthly_indicator_unit_figures
    SET answered = answered + NEW.answered - OLD.answered,
        positive = positive + NEW.positive - OLD.positive,
        neutral = neutral + NEW.neutral - OLD.neutral,
        negative = negative + NEW.negative - OLD.negative
    WHERE month = substr(NEW.day, 1, 8) || '01' AND unit_clues = NEW.unit_clues
      AND survey_id = NEW.survey_id AND survey_version = NEW.survey_version
      AND indicator = NEW.indicator;
    UPDATE institute_indicator_figures
    SET answered = answered + NEW.answered - OLD.answered,
        positive = positive + NEW.positive - OLD.positive,
        neutral = neutral + NEW.neutral - OLD.neutral,
        negative = negative + NEW.negative - OLD.negative
    WHERE day = NEW.day AND indicator = NEW.indicator;
END;
