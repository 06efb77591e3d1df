-- Ingest speed: indexes that every batch wrote and no query of the centre
-- reads (the dashboard reads daily_figures; a unit's answers are found
-- through answers_response, a response through its id). The (question,
-- code) index on answers took one entry per answer row, about 7 per
-- response: dropping it took 50 kiosks at once from about 13,000 to about
-- 19,000 responses/s on SQLite (docs/PERFORMANCE.md, Sync). A question
-- asked across the whole institute scans the table instead.
DROP INDEX answers_question_code;
DROP INDEX responses_survey;
