-- Coarser figures for the page over many units: per unit and month, per
-- unit and decade (days 1-10, 11-20, 21 to the month's end), and per day
-- over every unit (survey versions summed too: the chart shows an
-- indicator per day). The institute's page over a bimester then reads a
-- few thousand rows instead of every (day, unit) row, and a period that
-- cuts a month reads decades and at most a few days at each end
-- (store/figure_plan.rs, docs/PERFORMANCE.md).
-- They are kept from the per-unit daily rollups by triggers, so ingest and
-- `rollup rebuild` (which deletes and rewrites days) cannot forget them. A
-- row may fall to zero after a rebuild; readers leave zero sums out.
-- `month` and `decade` are the span's first day, written as days are.

CREATE TABLE monthly_unit_figures (
    month          TEXT NOT NULL,
    unit_clues     TEXT NOT NULL,
    responses      INTEGER NOT NULL,
    alerts         INTEGER NOT NULL,
    PRIMARY KEY (month, unit_clues)
) WITHOUT ROWID;
CREATE INDEX monthly_unit_figures_unit ON monthly_unit_figures (unit_clues, month);

CREATE TABLE decade_unit_figures (
    decade         TEXT NOT NULL,
    unit_clues     TEXT NOT NULL,
    responses      INTEGER NOT NULL,
    alerts         INTEGER NOT NULL,
    PRIMARY KEY (decade, unit_clues)
) WITHOUT ROWID;
CREATE INDEX decade_unit_figures_unit ON decade_unit_figures (unit_clues, decade);

CREATE TABLE institute_daily_figures (
    day            TEXT NOT NULL,
    responses      INTEGER NOT NULL,
    alerts         INTEGER NOT NULL,
    PRIMARY KEY (day)
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
CREATE INDEX monthly_indicator_unit_figures_unit ON monthly_indicator_unit_figures (unit_clues, month);

CREATE TABLE decade_indicator_unit_figures (
    decade         TEXT NOT NULL,
    unit_clues     TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    indicator      TEXT NOT NULL,
    answered       INTEGER NOT NULL,
    positive       INTEGER NOT NULL,
    neutral        INTEGER NOT NULL,
    negative       INTEGER NOT NULL,
    PRIMARY KEY (decade, unit_clues, survey_id, survey_version, indicator)
) WITHOUT ROWID;
CREATE INDEX decade_indicator_unit_figures_unit ON decade_indicator_unit_figures (unit_clues, decade);

CREATE TABLE institute_indicator_figures (
    day            TEXT NOT NULL,
    indicator      TEXT NOT NULL,
    answered       INTEGER NOT NULL,
    positive       INTEGER NOT NULL,
    neutral        INTEGER NOT NULL,
    negative       INTEGER NOT NULL,
    PRIMARY KEY (day, indicator)
) WITHOUT ROWID;

INSERT INTO monthly_unit_figures (month, unit_clues, responses, alerts)
SELECT substr(day, 1, 8) || '01', unit_clues,
    SUM(responses), SUM(alerts)
FROM daily_unit_figures GROUP BY 1, 2;

INSERT INTO decade_unit_figures (decade, unit_clues, responses, alerts)
SELECT substr(day, 1, 8) || CASE WHEN substr(day, 9, 2) < '11' THEN '01'
        WHEN substr(day, 9, 2) < '21' THEN '11' ELSE '21' END, unit_clues,
    SUM(responses), SUM(alerts)
FROM daily_unit_figures GROUP BY 1, 2;

INSERT INTO institute_daily_figures (day, responses, alerts)
SELECT day,
    SUM(responses), SUM(alerts)
FROM daily_unit_figures GROUP BY 1;

INSERT INTO monthly_indicator_unit_figures (month, unit_clues, survey_id, survey_version,
    indicator, answered, positive, neutral, negative)
SELECT substr(day, 1, 8) || '01', unit_clues, survey_id, survey_version, indicator,
    SUM(answered), SUM(positive), SUM(neutral), SUM(negative)
FROM indicator_unit_figures GROUP BY 1, 2, 3, 4, 5;

INSERT INTO decade_indicator_unit_figures (decade, unit_clues, survey_id, survey_version,
    indicator, answered, positive, neutral, negative)
SELECT substr(day, 1, 8) || CASE WHEN substr(day, 9, 2) < '11' THEN '01'
        WHEN substr(day, 9, 2) < '21' THEN '11' ELSE '21' END, unit_clues, survey_id, survey_version, indicator,
    SUM(answered), SUM(positive), SUM(neutral), SUM(negative)
FROM indicator_unit_figures GROUP BY 1, 2, 3, 4, 5;

INSERT INTO institute_indicator_figures (day, indicator, answered, positive, neutral,
    negative)
SELECT day, indicator,
    SUM(answered), SUM(positive), SUM(neutral), SUM(negative)
FROM indicator_unit_figures GROUP BY 1, 2;

-- Ingest adds to a daily row in place (its coarser rows exist since the
-- row was inserted or the tables were filled); a row never moves.
CREATE TRIGGER unit_figures_added AFTER INSERT ON daily_unit_figures
BEGIN
    INSERT INTO monthly_unit_figures (month, unit_clues, responses, alerts)
    VALUES (substr(NEW.day, 1, 8) || '01', NEW.unit_clues, NEW.responses, NEW.alerts)
    ON CONFLICT (month, unit_clues) DO UPDATE
    SET responses = responses + excluded.responses, alerts = alerts + excluded.alerts;
    INSERT INTO decade_unit_figures (decade, unit_clues, responses, alerts)
    VALUES (substr(NEW.day, 1, 8) || CASE WHEN substr(NEW.day, 9, 2) < '11' THEN '01'
        WHEN substr(NEW.day, 9, 2) < '21' THEN '11' ELSE '21' END, NEW.unit_clues,
        NEW.responses, NEW.alerts)
    ON CONFLICT (decade, unit_clues) DO UPDATE
    SET responses = responses + excluded.responses, alerts = alerts + excluded.alerts;
    INSERT INTO institute_daily_figures (day, responses, alerts)
    VALUES (NEW.day, NEW.responses, NEW.alerts)
    ON CONFLICT (day) DO UPDATE
    SET responses = responses + excluded.responses, alerts = alerts + excluded.alerts;
END;

CREATE TRIGGER unit_figures_removed AFTER DELETE ON daily_unit_figures
BEGIN
    UPDATE monthly_unit_figures
    SET responses = responses - OLD.responses,
        alerts = alerts - OLD.alerts
    WHERE month = substr(OLD.day, 1, 8) || '01' AND unit_clues = OLD.unit_clues;
    UPDATE decade_unit_figures
    SET responses = responses - OLD.responses,
        alerts = alerts - OLD.alerts
    WHERE decade = substr(OLD.day, 1, 8) || CASE WHEN substr(OLD.day, 9, 2) < '11' THEN '01'
      WHEN substr(OLD.day, 9, 2) < '21' THEN '11' ELSE '21' END AND unit_clues =
      OLD.unit_clues;
    UPDATE institute_daily_figures
    SET responses = responses - OLD.responses,
        alerts = alerts - OLD.alerts
    WHERE day = OLD.day;
END;

CREATE TRIGGER unit_figures_changed AFTER UPDATE ON daily_unit_figures
BEGIN
    SELECT RAISE(ABORT, 'a daily_unit_figures row never moves to another key')
    WHERE NEW.day <> OLD.day OR NEW.unit_clues <> OLD.unit_clues;
    UPDATE monthly_unit_figures
    SET responses = responses + NEW.responses - OLD.responses,
        alerts = alerts + NEW.alerts - OLD.alerts
    WHERE month = substr(OLD.day, 1, 8) || '01' AND unit_clues = OLD.unit_clues;
    UPDATE decade_unit_figures
    SET responses = responses + NEW.responses - OLD.responses,
        alerts = alerts + NEW.alerts - OLD.alerts
    WHERE decade = substr(OLD.day, 1, 8) || CASE WHEN substr(OLD.day, 9, 2) < '11' THEN '01'
      WHEN substr(OLD.day, 9, 2) < '21' THEN '11' ELSE '21' END AND unit_clues =
      OLD.unit_clues;
    UPDATE institute_daily_figures
    SET responses = responses + NEW.responses - OLD.responses,
        alerts = alerts + NEW.alerts - OLD.alerts
    WHERE day = OLD.day;
END;

CREATE TRIGGER indicator_figures_added AFTER INSERT ON indicator_unit_figures
BEGIN
    INSERT INTO monthly_indicator_unit_figures (month, unit_clues, survey_id,
        survey_version, indicator, answered, positive, neutral, negative)
    VALUES (substr(NEW.day, 1, 8) || '01', NEW.unit_clues, NEW.survey_id,
        NEW.survey_version, NEW.indicator, NEW.answered, NEW.positive, NEW.neutral,
        NEW.negative)
    ON CONFLICT (month, unit_clues, survey_id, survey_version, indicator) DO UPDATE
    SET answered = answered + excluded.answered, positive = positive + excluded.positive,
        neutral = neutral + excluded.neutral, negative = negative + excluded.negative;
    INSERT INTO decade_indicator_unit_figures (decade, unit_clues, survey_id,
        survey_version, indicator, answered, positive, neutral, negative)
    VALUES (substr(NEW.day, 1, 8) || CASE WHEN substr(NEW.day, 9, 2) < '11' THEN '01'
        WHEN substr(NEW.day, 9, 2) < '21' THEN '11' ELSE '21' END, NEW.unit_clues,
        NEW.survey_id, NEW.survey_version, NEW.indicator, NEW.answered, NEW.positive,
        NEW.neutral, NEW.negative)
    ON CONFLICT (decade, unit_clues, survey_id, survey_version, indicator) DO UPDATE
    SET answered = answered + excluded.answered, positive = positive + excluded.positive,
        neutral = neutral + excluded.neutral, negative = negative + excluded.negative;
    INSERT INTO institute_indicator_figures (day, indicator, answered, positive, neutral,
        negative)
    VALUES (NEW.day, NEW.indicator, NEW.answered, NEW.positive, NEW.neutral, NEW.negative)
    ON CONFLICT (day, indicator) DO UPDATE
    SET answered = answered + excluded.answered, positive = positive + excluded.positive,
        neutral = neutral + excluded.neutral, negative = negative + excluded.negative;
END;

CREATE TRIGGER indicator_figures_removed AFTER DELETE ON indicator_unit_figures
BEGIN
    UPDATE monthly_indicator_unit_figures
    SET answered = answered - OLD.answered,
        positive = positive - OLD.positive,
        neutral = neutral - OLD.neutral,
        negative = negative - OLD.negative
    WHERE month = substr(OLD.day, 1, 8) || '01' AND unit_clues = OLD.unit_clues AND
      survey_id = OLD.survey_id AND survey_version = OLD.survey_version AND indicator =
      OLD.indicator;
    UPDATE decade_indicator_unit_figures
    SET answered = answered - OLD.answered,
        positive = positive - OLD.positive,
        neutral = neutral - OLD.neutral,
        negative = negative - OLD.negative
    WHERE decade = substr(OLD.day, 1, 8) || CASE WHEN substr(OLD.day, 9, 2) < '11' THEN '01'
      WHEN substr(OLD.day, 9, 2) < '21' THEN '11' ELSE '21' END AND unit_clues =
      OLD.unit_clues AND survey_id = OLD.survey_id AND survey_version = OLD.survey_version
      AND indicator = OLD.indicator;
    UPDATE institute_indicator_figures
    SET answered = answered - OLD.answered,
        positive = positive - OLD.positive,
        neutral = neutral - OLD.neutral,
        negative = negative - OLD.negative
    WHERE day = OLD.day AND indicator = OLD.indicator;
END;

CREATE TRIGGER indicator_figures_changed AFTER UPDATE ON indicator_unit_figures
BEGIN
    SELECT RAISE(ABORT, 'a indicator_unit_figures row never moves to another key')
    WHERE NEW.day <> OLD.day OR NEW.unit_clues <> OLD.unit_clues OR NEW.survey_id <>
       OLD.survey_id OR NEW.survey_version <> OLD.survey_version OR NEW.indicator <>
       OLD.indicator;
    UPDATE monthly_indicator_unit_figures
    SET answered = answered + NEW.answered - OLD.answered,
        positive = positive + NEW.positive - OLD.positive,
        neutral = neutral + NEW.neutral - OLD.neutral,
        negative = negative + NEW.negative - OLD.negative
    WHERE month = substr(OLD.day, 1, 8) || '01' AND unit_clues = OLD.unit_clues AND
      survey_id = OLD.survey_id AND survey_version = OLD.survey_version AND indicator =
      OLD.indicator;
    UPDATE decade_indicator_unit_figures
    SET answered = answered + NEW.answered - OLD.answered,
        positive = positive + NEW.positive - OLD.positive,
        neutral = neutral + NEW.neutral - OLD.neutral,
        negative = negative + NEW.negative - OLD.negative
    WHERE decade = substr(OLD.day, 1, 8) || CASE WHEN substr(OLD.day, 9, 2) < '11' THEN '01'
      WHEN substr(OLD.day, 9, 2) < '21' THEN '11' ELSE '21' END AND unit_clues =
      OLD.unit_clues AND survey_id = OLD.survey_id AND survey_version = OLD.survey_version
      AND indicator = OLD.indicator;
    UPDATE institute_indicator_figures
    SET answered = answered + NEW.answered - OLD.answered,
        positive = positive + NEW.positive - OLD.positive,
        neutral = neutral + NEW.neutral - OLD.neutral,
        negative = negative + NEW.negative - OLD.negative
    WHERE day = OLD.day AND indicator = OLD.indicator;
END;
