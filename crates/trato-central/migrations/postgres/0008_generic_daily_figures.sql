-- The daily figures keep only what every survey has: how many responses and
-- how many alerts. What the answers mean (the former per-question columns)
-- is counted per declared indicator in indicator_figures and
-- indicator_unit_figures (0006), filled for older responses by
-- `trato-central rollup rebuild` (an upgrade step, docs/dashboard.md).
ALTER TABLE daily_figures
    DROP COLUMN trato_n,
    DROP COLUMN trato_pos,
    DROP COLUMN trato_neg,
    DROP COLUMN saludo_n,
    DROP COLUMN saludo_si,
    DROP COLUMN escucha_n,
    DROP COLUMN escucha_si,
    DROP COLUMN respuesta_n,
    DROP COLUMN respuesta_si,
    DROP COLUMN respeto_n,
    DROP COLUMN respeto_no;
ALTER TABLE daily_unit_figures
    DROP COLUMN trato_n,
    DROP COLUMN trato_pos,
    DROP COLUMN trato_neg,
    DROP COLUMN saludo_n,
    DROP COLUMN saludo_si,
    DROP COLUMN escucha_n,
    DROP COLUMN escucha_si,
    DROP COLUMN respuesta_n,
    DROP COLUMN respuesta_si,
    DROP COLUMN respeto_n,
    DROP COLUMN respeto_no;
