-- The alert list's counts per unit and reason, kept as alerts are stored and
-- attended (by triggers, so no write path can forget them): the list's first
-- page reads a few rows per day instead of grouping every alert of the period.
-- Alerts are never deleted, nor moved to another day, unit, area or reason.
CREATE TABLE alert_counts (
    day          TEXT NOT NULL,
    unit_clues   TEXT NOT NULL,
    service_area TEXT NOT NULL,
    reason       TEXT NOT NULL,
    total        INTEGER NOT NULL,
    open         INTEGER NOT NULL,
    PRIMARY KEY (day, unit_clues, service_area, reason)
) WITHOUT ROWID;

INSERT INTO alert_counts (day, unit_clues, service_area, reason, total, open)
SELECT day, unit_clues, service_area, reason, COUNT(*),
    SUM(CASE WHEN attended_at IS NULL THEN 1 ELSE 0 END)
FROM alerts GROUP BY day, unit_clues, service_area, reason;

CREATE TRIGGER alert_counts_raised AFTER INSERT ON alerts
BEGIN
    INSERT INTO alert_counts (day, unit_clues, service_area, reason, total, open)
    VALUES (NEW.day, NEW.unit_clues, NEW.service_area, NEW.reason, 1,
        CASE WHEN NEW.attended_at IS NULL THEN 1 ELSE 0 END)
    ON CONFLICT (day, unit_clues, service_area, reason)
    DO UPDATE SET total = total + 1, open = open + excluded.open;
END;

CREATE TRIGGER alert_counts_attended AFTER UPDATE OF attended_at ON alerts
WHEN (OLD.attended_at IS NULL) <> (NEW.attended_at IS NULL)
BEGIN
    UPDATE alert_counts
    SET open = open + CASE WHEN NEW.attended_at IS NULL THEN 1 ELSE -1 END
    WHERE day = NEW.day AND unit_clues = NEW.unit_clues
      AND service_area = NEW.service_area AND reason = NEW.reason;
END;
