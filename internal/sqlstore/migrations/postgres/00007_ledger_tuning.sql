-- +goose Up
-- Only corrections point at another event. A unique index over every event
-- kept one NULL entry per event, written by each command; this one holds
-- only the corrections, and still serves "corrects_id = ?" (an equality
-- implies NOT NULL) and keeps an event from being corrected twice
-- (docs/performance.md, genealogy benchmarks).
DROP INDEX material_events_corrects;
CREATE UNIQUE INDEX material_events_corrects ON material_events (corrects_id) WHERE corrects_id IS NOT NULL;

-- +goose Down
DROP INDEX material_events_corrects;
CREATE UNIQUE INDEX material_events_corrects ON material_events (corrects_id);
