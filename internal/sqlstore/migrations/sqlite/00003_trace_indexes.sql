-- +goose Up
-- A forward trace and a recall read every shipment of the lots they reach.
-- Shipments are a few of each lot's events; this index holds only them,
-- with every column the trace reads, so a trace reads no event row
-- (docs/performance.md, genealogy benchmarks).
CREATE INDEX material_events_shipments ON material_events (lot_id, kind, customer_id, ship_to_id, event_time, id, doc_type, doc_number, qty)
    WHERE kind = 'ship';

-- +goose Down
DROP INDEX material_events_shipments;
