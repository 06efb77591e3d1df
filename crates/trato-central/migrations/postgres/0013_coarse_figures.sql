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
-- The institute's rows are split in 16 shards by unit, so batches from
-- different units seldom wait for each other's lock on the same day; a
-- batch comes from one unit's kiosk, so it locks one shard per day.
CREATE TABLE monthly_unit_figures (
    month        DATE NOT NULL,
    unit_clues   TEXT NOT NULL,
    responses    BIGINT NOT NULL,
    alerts       BIGINT NOT NULL,
    PRIMARY KEY (month, unit_clues)
);

CREATE TABLE monthly_indicator_unit_figures (
    month          DATE NOT NULL,
    unit_clues     TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version BIGINT NOT NULL,
    indicator      TEXT NOT NULL,
    answered       BIGINT NOT NULL,
    positive       BIGINT NOT NULL,
    neutral        BIGINT NOT NULL,
    negative       BIGINT NOT NULL,
    PRIMARY KEY (month, unit_clues, survey_id, survey_version, indicator)
);

-- A unit's or an OOAD's page reads its units' months.
CREATE INDEX monthly_unit_figures_unit ON monthly_unit_figures (unit_clues, month);
CREATE INDEX monthly_indicator_unit_figures_unit
    ON monthly_indicator_unit_figures (unit_clues, month);

CREATE TABLE decade_unit_figures (
    decade       DATE NOT NULL,
    unit_clues   TEXT NOT NULL,
    responses    BIGINT NOT NULL,
    alerts       BIGINT NOT NULL,
    PRIMARY KEY (decade, unit_clues)
);

CREATE TABLE decade_indicator_unit_figures (
    decade         DATE NOT NULL,
    unit_clues     TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version BIGINT NOT NULL,
    indicator      TEXT NOT NULL,
    answered       BIGINT NOT NULL,
    positive       BIGINT NOT NULL,
    neutral        BIGINT NOT NULL,
    negative       BIGINT NOT NULL,
    PRIMARY KEY (decade, unit_clues, survey_id, survey_version, indicator)
);

CREATE INDEX decade_unit_figures_unit ON decade_unit_figures (unit_clues, decade);
CREATE INDEX decade_indicator_unit_figures_unit
    ON decade_indicator_unit_figures (unit_clues, decade);

CREATE TABLE institute_daily_figures (
    day          DATE NOT NULL,
    shard        SMALLINT NOT NULL,
    responses    BIGINT NOT NULL,
    alerts       BIGINT NOT NULL,
    PRIMARY KEY (day, shard)
);

-- Summed over survey versions too: the chart shows an indicator per day.
CREATE TABLE institute_indicator_figures (
    day          DATE NOT NULL,
    shard        SMALLINT NOT NULL,
    indicator    TEXT NOT NULL,
    answered     BIGINT NOT NULL,
    positive     BIGINT NOT NULL,
    neutral      BIGINT NOT NULL,
    negative     BIGINT NOT NULL,
    PRIMARY KEY (day, shard, indicator)
);

-- A unit's shard: any fixed spread will do, readers add every shard up.
CREATE FUNCTION figures_shard(unit_clues TEXT) RETURNS SMALLINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (ascii(right(unit_clues, 1)) % 16)::smallint $$;

-- The first day of a day's decade: the 1st, 11th or 21st.
CREATE FUNCTION figures_decade(day DATE) RETURNS DATE
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT date_trunc('month', day)::date
    + (LEAST((extract(day FROM day)::int - 1) / 10, 2) * 10) $$;

INSERT INTO decade_unit_figures (decade, unit_clues, responses, alerts)
SELECT figures_decade(day), unit_clues, SUM(responses), SUM(alerts)
FROM daily_unit_figures GROUP BY 1, 2;

INSERT INTO decade_indicator_unit_figures (decade, unit_clues, survey_id, survey_version,
    indicator, answered, positive, neutral, negative)
SELECT figures_decade(day), unit_clues, survey_id, survey_version, indicator,
    SUM(answered), SUM(positive), SUM(neutral), SUM(negative)
FROM indicator_unit_figures GROUP BY 1, 2, 3, 4, 5;

INSERT INTO monthly_unit_figures (month, unit_clues, responses, alerts)
SELECT date_trunc('month', day)::date, unit_clues, SUM(responses), SUM(alerts)
FROM daily_unit_figures GROUP BY 1, 2;

INSERT INTO monthly_indicator_unit_figures (month, unit_clues, survey_id, survey_version,
    indicator, answered, positive, neutral, negative)
SELECT date_trunc('month', day)::date, unit_clues, survey_id, survey_version, indicator,
    SUM(answered), SUM(positive), SUM(neutral), SUM(negative)
FROM indicator_unit_figures GROUP BY 1, 2, 3, 4, 5;

INSERT INTO institute_daily_figures (day, shard, responses, alerts)
SELECT day, figures_shard(unit_clues), SUM(responses), SUM(alerts)
FROM daily_unit_figures GROUP BY 1, 2;

INSERT INTO institute_indicator_figures (day, shard, indicator, answered, positive,
    neutral, negative)
SELECT day, figures_shard(unit_clues), indicator, SUM(answered), SUM(positive),
    SUM(neutral), SUM(negative)
FROM indicator_unit_figures GROUP BY 1, 2, 3;

-- Ingest adds to a daily row in place (its month and day rows exist since
-- the row was inserted or the tables were filled); a row never moves.
CREATE FUNCTION unit_figures_rolled_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO monthly_unit_figures AS m (month, unit_clues, responses, alerts)
        VALUES (date_trunc('month', NEW.day)::date, NEW.unit_clues, NEW.responses, NEW.alerts)
        ON CONFLICT (month, unit_clues) DO UPDATE
        SET responses = m.responses + EXCLUDED.responses, alerts = m.alerts + EXCLUDED.alerts;
        INSERT INTO decade_unit_figures AS m (decade, unit_clues, responses, alerts)
        VALUES (figures_decade(NEW.day), NEW.unit_clues, NEW.responses, NEW.alerts)
        ON CONFLICT (decade, unit_clues) DO UPDATE
        SET responses = m.responses + EXCLUDED.responses, alerts = m.alerts + EXCLUDED.alerts;
        INSERT INTO institute_daily_figures AS i (day, shard, responses, alerts)
        VALUES (NEW.day, figures_shard(NEW.unit_clues), NEW.responses, NEW.alerts)
        ON CONFLICT (day, shard) DO UPDATE
        SET responses = i.responses + EXCLUDED.responses, alerts = i.alerts + EXCLUDED.alerts;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.day <> OLD.day OR NEW.unit_clues <> OLD.unit_clues) THEN
        RAISE EXCEPTION 'a daily figures row never moves to another day or unit';
    END IF;
    -- An update adds the difference; a deletion takes the row away.
    IF TG_OP = 'DELETE' THEN
        NEW := OLD;
        NEW.responses := 0;
        NEW.alerts := 0;
    END IF;
    UPDATE monthly_unit_figures
    SET responses = responses + NEW.responses - OLD.responses,
        alerts = alerts + NEW.alerts - OLD.alerts
    WHERE month = date_trunc('month', OLD.day)::date AND unit_clues = OLD.unit_clues;
    UPDATE decade_unit_figures
    SET responses = responses + NEW.responses - OLD.responses,
        alerts = alerts + NEW.alerts - OLD.alerts
    WHERE decade = figures_decade(OLD.day) AND unit_clues = OLD.unit_clues;
    UPDATE institute_daily_figures
    SET responses = responses + NEW.responses - OLD.responses,
        alerts = alerts + NEW.alerts - OLD.alerts
    WHERE day = OLD.day AND shard = figures_shard(OLD.unit_clues);
    RETURN NULL;
END
$$;

CREATE TRIGGER unit_figures_rolled_up AFTER INSERT OR UPDATE OR DELETE ON daily_unit_figures
FOR EACH ROW EXECUTE FUNCTION unit_figures_rolled_up();

CREATE FUNCTION indicator_figures_rolled_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO monthly_indicator_unit_figures AS m (month, unit_clues, survey_id,
            survey_version, indicator, answered, positive, neutral, negative)
        VALUES (date_trunc('month', NEW.day)::date, NEW.unit_clues, NEW.survey_id,
            NEW.survey_version, NEW.indicator, NEW.answered, NEW.positive, NEW.neutral,
            NEW.negative)
        ON CONFLICT (month, unit_clues, survey_id, survey_version, indicator) DO UPDATE
        SET answered = m.answered + EXCLUDED.answered, positive = m.positive + EXCLUDED.positive,
            neutral = m.neutral + EXCLUDED.neutral, negative = m.negative + EXCLUDED.negative;
        INSERT INTO decade_indicator_unit_figures AS m (decade, unit_clues, survey_id,
            survey_version, indicator, answered, positive, neutral, negative)
        VALUES (figures_decade(NEW.day), NEW.unit_clues, NEW.survey_id,
            NEW.survey_version, NEW.indicator, NEW.answered, NEW.positive, NEW.neutral,
            NEW.negative)
        ON CONFLICT (decade, unit_clues, survey_id, survey_version, indicator) DO UPDATE
        SET answered = m.answered + EXCLUDED.answered, positive = m.positive + EXCLUDED.positive,
            neutral = m.neutral + EXCLUDED.neutral, negative = m.negative + EXCLUDED.negative;
        INSERT INTO institute_indicator_figures AS i (day, shard, indicator, answered,
            positive, neutral, negative)
        VALUES (NEW.day, figures_shard(NEW.unit_clues), NEW.indicator, NEW.answered,
            NEW.positive, NEW.neutral, NEW.negative)
        ON CONFLICT (day, shard, indicator) DO UPDATE
        SET answered = i.answered + EXCLUDED.answered, positive = i.positive + EXCLUDED.positive,
            neutral = i.neutral + EXCLUDED.neutral, negative = i.negative + EXCLUDED.negative;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.day, NEW.unit_clues, NEW.survey_id, NEW.survey_version,
            NEW.indicator) IS DISTINCT FROM (OLD.day, OLD.unit_clues, OLD.survey_id,
            OLD.survey_version, OLD.indicator) THEN
        RAISE EXCEPTION 'an indicator figures row never moves to another key';
    END IF;
    -- An update adds the difference; a deletion takes the row away.
    IF TG_OP = 'DELETE' THEN
        NEW := OLD;
        NEW.answered := 0;
        NEW.positive := 0;
        NEW.neutral := 0;
        NEW.negative := 0;
    END IF;
    UPDATE monthly_indicator_unit_figures
    SET answered = answered + NEW.answered - OLD.answered,
        positive = positive + NEW.positive - OLD.positive,
        neutral = neutral + NEW.neutral - OLD.neutral,
        negative = negative + NEW.negative - OLD.negative
    WHERE month = date_trunc('month', OLD.day)::date AND unit_clues = OLD.unit_clues
      AND survey_id = OLD.survey_id AND survey_version = OLD.survey_version
      AND indicator = OLD.indicator;
    UPDATE decade_indicator_unit_figures
    SET answered = answered + NEW.answered - OLD.answered,
        positive = positive + NEW.positive - OLD.positive,
        neutral = neutral + NEW.neutral - OLD.neutral,
        negative = negative + NEW.negative - OLD.negative
    WHERE decade = figures_decade(OLD.day) AND unit_clues = OLD.unit_clues
      AND survey_id = OLD.survey_id AND survey_version = OLD.survey_version
      AND indicator = OLD.indicator;
    UPDATE institute_indicator_figures
    SET answered = answered + NEW.answered - OLD.answered,
        positive = positive + NEW.positive - OLD.positive,
        neutral = neutral + NEW.neutral - OLD.neutral,
        negative = negative + NEW.negative - OLD.negative
    WHERE day = OLD.day AND shard = figures_shard(OLD.unit_clues)
      AND indicator = OLD.indicator;
    RETURN NULL;
END
$$;

CREATE TRIGGER indicator_figures_rolled_up
AFTER INSERT OR UPDATE OR DELETE ON indicator_unit_figures
FOR EACH ROW EXECUTE FUNCTION indicator_figures_rolled_up();
