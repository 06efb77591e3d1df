-- The daily figures summed over service areas: one row per kiosk-local day
-- and unit. The page reads it whenever no service area is chosen (a quarter
-- of daily_figures' rows: the institute-wide page over 2 months adds up
-- about 67,000 rows instead of 268,000). Ingest and `rollup rebuild` keep it
-- equal to daily_figures summed by (day, unit_clues).
CREATE TABLE daily_unit_figures (
    day          DATE NOT NULL,
    unit_clues   TEXT NOT NULL,
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
    PRIMARY KEY (day, unit_clues)
);
-- A unit's (or an OOAD's) page reads its own rows only.
CREATE INDEX daily_unit_figures_unit ON daily_unit_figures (unit_clues, day);

INSERT INTO daily_unit_figures (day, unit_clues, responses, trato_n, trato_pos, trato_neg,
    saludo_n, saludo_si, escucha_n, escucha_si, respuesta_n, respuesta_si, respeto_n,
    respeto_no, alerts)
SELECT day, unit_clues, SUM(responses), SUM(trato_n), SUM(trato_pos), SUM(trato_neg),
    SUM(saludo_n), SUM(saludo_si), SUM(escucha_n), SUM(escucha_si), SUM(respuesta_n),
    SUM(respuesta_si), SUM(respeto_n), SUM(respeto_no), SUM(alerts)
FROM daily_figures
GROUP BY day, unit_clues;
