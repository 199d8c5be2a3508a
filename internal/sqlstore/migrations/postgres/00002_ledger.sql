-- +goose Up
-- The material ledger (append-only events) and its projections: lots with
-- their status, balances per lot and location, and genealogy edges.
ALTER TABLE sites ADD COLUMN lot_code_pattern TEXT NOT NULL DEFAULT '{SITE}-{YY}{JJJ}-{SEQ}';

-- Lot code sequences per site and pattern prefix (the pattern expanded with
-- {SEQ} left out), so that any pattern with {SEQ} makes unique codes.
CREATE TABLE lot_sequences (
    site_id TEXT NOT NULL REFERENCES sites(id),
    scope TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (site_id, scope)
);

CREATE TABLE lots (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    item_id TEXT NOT NULL REFERENCES items(id),
    code TEXT NOT NULL,
    tlc TEXT NOT NULL,
    tlc_source TEXT NOT NULL,
    tlc_source_ref TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    supplier_id TEXT REFERENCES suppliers(id),
    supplier_lot TEXT NOT NULL DEFAULT '',
    order_ref TEXT NOT NULL DEFAULT '',
    line_id TEXT REFERENCES lines(id),
    qty BIGINT NOT NULL,
    unit TEXT NOT NULL,
    expires_on DATE,
    produced_on DATE,
    created_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (site_id, code)
);
CREATE INDEX lots_item ON lots (item_id, expires_on);
CREATE INDEX lots_supplier_lot ON lots (supplier_id, supplier_lot);
CREATE INDEX lots_order ON lots (site_id, order_ref);
CREATE INDEX lots_tlc ON lots (tlc);

CREATE TABLE material_events (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    kind TEXT NOT NULL,
    lot_id TEXT NOT NULL REFERENCES lots(id),
    item_id TEXT NOT NULL REFERENCES items(id),
    location_id TEXT REFERENCES locations(id),
    to_location_id TEXT REFERENCES locations(id),
    qty BIGINT NOT NULL,
    unit TEXT NOT NULL,
    entered TEXT NOT NULL DEFAULT '',
    status_from TEXT NOT NULL DEFAULT '',
    status_to TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    order_ref TEXT NOT NULL DEFAULT '',
    line_id TEXT REFERENCES lines(id),
    supplier_id TEXT REFERENCES suppliers(id),
    customer_id TEXT REFERENCES customers(id),
    ship_to_id TEXT REFERENCES customer_ship_tos(id),
    doc_type TEXT NOT NULL DEFAULT '',
    doc_number TEXT NOT NULL DEFAULT '',
    temperature TEXT NOT NULL DEFAULT '',
    corrects_id TEXT REFERENCES material_events(id),
    event_time TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL
);
CREATE INDEX material_events_lot ON material_events (lot_id, id);
CREATE INDEX material_events_site_time ON material_events (site_id, event_time);
CREATE INDEX material_events_order ON material_events (site_id, order_ref, kind);
CREATE UNIQUE INDEX material_events_corrects ON material_events (corrects_id);

CREATE TABLE lot_balances (
    lot_id TEXT NOT NULL REFERENCES lots(id),
    location_id TEXT NOT NULL REFERENCES locations(id),
    site_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    qty BIGINT NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (lot_id, location_id)
);
CREATE INDEX lot_balances_item ON lot_balances (site_id, item_id);

-- What each production order consumed and produced, so that every input
-- lot links to every output lot.
CREATE TABLE order_lots (
    site_id TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    lot_id TEXT NOT NULL REFERENCES lots(id),
    role TEXT NOT NULL CHECK (role IN ('input', 'output')),
    qty BIGINT NOT NULL,
    PRIMARY KEY (site_id, order_ref, role, lot_id)
);

-- One row per production order, locked by every command that books its
-- inputs or outputs, so that concurrent consumption and output of one order
-- (PostgreSQL, READ COMMITTED) still link every input to every output.
CREATE TABLE production_orders_seen (
    site_id TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    commands BIGINT NOT NULL,
    PRIMARY KEY (site_id, order_ref)
);

CREATE TABLE genealogy_edges (
    parent_id TEXT NOT NULL REFERENCES lots(id),
    child_id TEXT NOT NULL REFERENCES lots(id),
    order_ref TEXT NOT NULL,
    qty BIGINT NOT NULL,
    PRIMARY KEY (parent_id, child_id, order_ref)
);
CREATE INDEX genealogy_edges_child ON genealogy_edges (child_id, parent_id);

CREATE TABLE idempotency_keys (
    actor_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    event_ids TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (actor_id, key)
);

CREATE TABLE recalls (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    kind TEXT NOT NULL,
    criteria TEXT NOT NULL,
    result TEXT NOT NULL,
    duration_us BIGINT NOT NULL,
    held INTEGER NOT NULL DEFAULT 0,
    accounted_permille INTEGER NOT NULL DEFAULT 0,
    started_at TIMESTAMPTZ NOT NULL,
    actor_name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recalls_site ON recalls (site_id, started_at);

-- +goose Down
DROP TABLE recalls;
DROP TABLE idempotency_keys;
DROP TABLE genealogy_edges;
DROP TABLE production_orders_seen;
DROP TABLE order_lots;
DROP TABLE lot_balances;
DROP TABLE material_events;
DROP TABLE lots;
DROP TABLE lot_sequences;
ALTER TABLE sites DROP COLUMN lot_code_pattern;
