-- The Kioscos view: what each kiosk said in its last batch (the backlog
-- behind it, the survey it runs, its UTC offset, which is its unit's local
-- time), and each unit's opening hours, within which silence counts.
ALTER TABLE kiosks ADD COLUMN last_backlog INTEGER;
ALTER TABLE kiosks ADD COLUMN last_survey_id TEXT;
ALTER TABLE kiosks ADD COLUMN last_survey_version INTEGER;
ALTER TABLE kiosks ADD COLUMN last_utc_offset_minutes INTEGER;

-- A unit without a row is open every day 07:00-20:00. `days` holds the ISO
-- weekdays it opens (1 = Monday ... 7 = Sunday); minutes from local midnight,
-- `close_minute` up to 1440.
CREATE TABLE unit_hours (
    unit_clues   TEXT PRIMARY KEY,
    days         TEXT NOT NULL,
    open_minute  INTEGER NOT NULL CHECK (open_minute BETWEEN 0 AND 1439),
    close_minute INTEGER NOT NULL CHECK (close_minute BETWEEN 1 AND 1440),
    updated_at   TEXT NOT NULL,
    CHECK (open_minute < close_minute)
);
