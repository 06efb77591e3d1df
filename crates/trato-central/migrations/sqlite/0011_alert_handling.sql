-- Alerts that get handled (assigned, due, attended several at once, with
-- their history) and the comments of a scope and period.

-- The dashboard account an alert is assigned to (by name), if any.
ALTER TABLE alerts ADD COLUMN assigned_to TEXT;

-- The alerts list pages newest first; open ones are what committees read.
CREATE INDEX alerts_finished ON alerts (finished_at, response_id);
CREATE INDEX alerts_open_finished ON alerts (finished_at, response_id) WHERE attended_at IS NULL;
-- The counts per unit and reason read only these columns.
CREATE INDEX alerts_counts ON alerts (day, unit_clues, reason, finished_at, attended_at);

-- Every change to an alert: who, when, what.
CREATE TABLE alert_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id TEXT NOT NULL REFERENCES alerts (response_id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('assigned', 'unassigned', 'attended')),
    detail      TEXT
);
CREATE INDEX alert_events_alert ON alert_events (response_id, id);

-- Alerts attended before this migration: their attendance is their history.
INSERT INTO alert_events (response_id, at, actor, action, detail)
SELECT response_id, attended_at, attended_by, 'attended', note FROM alerts
WHERE attended_at IS NOT NULL ORDER BY attended_at;

-- Free-text answers (masked as stored) with where and when they were given;
-- flagged responses count nowhere, so their comments are not listed either.
CREATE TABLE comments (
    response_id        TEXT NOT NULL REFERENCES responses (id),
    question           TEXT NOT NULL,
    unit_clues         TEXT NOT NULL,
    service_area       TEXT NOT NULL,
    finished_at        TEXT NOT NULL,
    utc_offset_minutes INTEGER NOT NULL,
    day                TEXT NOT NULL,
    text               TEXT NOT NULL,
    PRIMARY KEY (response_id, question)
);
CREATE INDEX comments_unit_finished ON comments (unit_clues, finished_at);
CREATE INDEX comments_finished ON comments (finished_at, response_id);

INSERT INTO comments (response_id, question, unit_clues, service_area, finished_at,
    utc_offset_minutes, day, text)
SELECT a.response_id, a.question, r.unit_clues, r.service_area, r.finished_at,
    r.utc_offset_minutes, date(r.finished_at, r.utc_offset_minutes || ' minutes'), a.text
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE a.text IS NOT NULL AND a.text <> '' AND r.status <> 'flagged'
ON CONFLICT DO NOTHING;
