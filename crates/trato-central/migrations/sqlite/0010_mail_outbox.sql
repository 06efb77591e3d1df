-- E-mail notifications. Every alert gets an outbox row in the transaction
-- that stores it, so a mail server that is down loses nothing: urgent rows
-- are sent one message each and marked, the others are read by time for
-- the daily digests.
CREATE TABLE mail_outbox (
    alert_id        TEXT PRIMARY KEY,
    unit_clues      TEXT NOT NULL,
    urgent          INTEGER NOT NULL,
    queued_at       TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    sent_at         TEXT,
    recipients      TEXT,
    last_error      TEXT
);
CREATE INDEX mail_outbox_unsent ON mail_outbox (next_attempt_at) WHERE urgent = 1 AND sent_at IS NULL;
CREATE INDEX mail_outbox_queued ON mail_outbox (queued_at);

-- One digest per account and local day; `window_to` is where the next starts.
CREATE TABLE mail_digests (
    account_id      TEXT NOT NULL,
    day             TEXT NOT NULL,
    window_from     TEXT NOT NULL,
    window_to       TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    sent_at         TEXT,
    recipient       TEXT NOT NULL,
    last_error      TEXT,
    PRIMARY KEY (account_id, day)
);
