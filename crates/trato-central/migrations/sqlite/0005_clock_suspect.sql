-- Responses whose kiosk clock no real kiosk could have (times outside the
-- years 2000..2100, an offset beyond ±14 h) are filed under the centre's
-- receive time; the kiosk's own values are kept here as JSON.
ALTER TABLE responses ADD COLUMN clock_suspect INTEGER NOT NULL DEFAULT 0;
ALTER TABLE responses ADD COLUMN clock_raw TEXT;

-- An e-mail address per dashboard account (`user set-email`).
ALTER TABLE accounts ADD COLUMN email TEXT;
