-- +goose Up
-- Recipes (versions with their content and approval signature) and
-- production orders with everything their batch record holds.

-- Electronic signatures (21 CFR 11.50, 11.70): who signed what, when, with
-- which meaning, bound to the hash of the signed content. Never updated.
CREATE TABLE electronic_signatures (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    signer_id TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    meaning TEXT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX electronic_signatures_entity ON electronic_signatures (entity, entity_id);

CREATE TABLE recipes (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    item_id TEXT NOT NULL REFERENCES items(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, code)
);
CREATE INDEX recipes_item ON recipes (item_id);

CREATE TABLE recipe_versions (
    id TEXT PRIMARY KEY,
    recipe_id TEXT NOT NULL REFERENCES recipes(id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'obsolete')),
    batch_qty BIGINT NOT NULL,
    batch_unit TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    signature_id TEXT REFERENCES electronic_signatures(id),
    revision INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (recipe_id, number)
);
-- At most one draft and one approved version per recipe.
CREATE UNIQUE INDEX recipe_versions_draft ON recipe_versions (recipe_id) WHERE status = 'draft';
CREATE UNIQUE INDEX recipe_versions_approved ON recipe_versions (recipe_id) WHERE status = 'approved';

CREATE TABLE recipe_ingredients (
    version_id TEXT NOT NULL REFERENCES recipe_versions(id),
    position INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items(id),
    qty BIGINT NOT NULL,
    unit TEXT NOT NULL,
    tolerance BIGINT NOT NULL, -- millionths of a percent
    PRIMARY KEY (version_id, position),
    UNIQUE (version_id, item_id)
);
CREATE INDEX recipe_ingredients_item ON recipe_ingredients (item_id);

CREATE TABLE recipe_substitutes (
    version_id TEXT NOT NULL REFERENCES recipe_versions(id),
    ingredient INTEGER NOT NULL,
    position INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items(id),
    PRIMARY KEY (version_id, ingredient, position)
);
CREATE INDEX recipe_substitutes_item ON recipe_substitutes (item_id);

CREATE TABLE recipe_steps (
    version_id TEXT NOT NULL REFERENCES recipe_versions(id),
    position INTEGER NOT NULL,
    instruction TEXT NOT NULL,
    PRIMARY KEY (version_id, position)
);

CREATE TABLE recipe_parameters (
    version_id TEXT NOT NULL REFERENCES recipe_versions(id),
    step INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    target BIGINT NOT NULL,
    min_value BIGINT NOT NULL,
    max_value BIGINT NOT NULL,
    ccp BOOLEAN NOT NULL,
    PRIMARY KEY (version_id, step, position)
);

CREATE TABLE recipe_step_additions (
    version_id TEXT NOT NULL REFERENCES recipe_versions(id),
    step INTEGER NOT NULL,
    position INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items(id),
    PRIMARY KEY (version_id, step, position)
);

CREATE TABLE production_orders (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    number TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES items(id),
    recipe_id TEXT REFERENCES recipes(id),
    version_id TEXT REFERENCES recipe_versions(id),
    content_hash TEXT NOT NULL DEFAULT '',
    allergens TEXT NOT NULL DEFAULT '',
    planned_qty BIGINT NOT NULL,
    unit TEXT NOT NULL,
    line_id TEXT NOT NULL REFERENCES lines(id),
    planned_start TIMESTAMPTZ NOT NULL,
    planned_end TIMESTAMPTZ NOT NULL,
    erp_ref TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('planned', 'released', 'in_progress', 'completed', 'closed', 'on_hold', 'cancelled')),
    held_from TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMPTZ,
    stopped_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    actual_qty BIGINT NOT NULL DEFAULT 0,
    theoretical_qty BIGINT NOT NULL DEFAULT 0,
    yield_pct TEXT NOT NULL DEFAULT '',
    batch_signature_id TEXT REFERENCES electronic_signatures(id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (site_id, number)
);
CREATE INDEX production_orders_dispatch ON production_orders (line_id, state, planned_start);
CREATE INDEX production_orders_site ON production_orders (site_id, planned_start);

CREATE TABLE production_order_states (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES production_orders(id),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX production_order_states_order ON production_order_states (order_id, at);

-- What each line runs and ran last: starting an order takes the line's row
-- with a guarded UPDATE, so two orders never run on one line at once.
CREATE TABLE production_lines (
    line_id TEXT PRIMARY KEY REFERENCES lines(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    running_order_id TEXT REFERENCES production_orders(id),
    last_order_id TEXT REFERENCES production_orders(id),
    last_allergens TEXT NOT NULL DEFAULT '',
    last_stopped_at TIMESTAMPTZ,
    changeovers INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE line_changeovers (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    line_id TEXT NOT NULL REFERENCES lines(id),
    kind TEXT NOT NULL CHECK (kind IN ('cleaning', 'changeover')),
    note TEXT NOT NULL DEFAULT '',
    completed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL
);
CREATE INDEX line_changeovers_line ON line_changeovers (line_id, completed_at);

CREATE TABLE material_additions (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES production_orders(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    ingredient_item_id TEXT NOT NULL REFERENCES items(id),
    item_id TEXT NOT NULL REFERENCES items(id),
    substitute BOOLEAN NOT NULL,
    lot_id TEXT NOT NULL REFERENCES lots(id),
    lot_code TEXT NOT NULL,
    location_id TEXT NOT NULL REFERENCES locations(id),
    qty BIGINT NOT NULL, -- counted towards the ingredient, in its base unit
    unit TEXT NOT NULL,
    entered_qty BIGINT NOT NULL,
    entered_unit TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('pending', 'booked', 'refused')),
    event_id TEXT REFERENCES material_events(id),
    refusal TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    at TIMESTAMPTZ NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    UNIQUE (order_id, idempotency_key)
);
CREATE INDEX material_additions_order ON material_additions (order_id, ingredient_item_id);

CREATE TABLE material_overrides (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES production_orders(id),
    addition_id TEXT NOT NULL REFERENCES material_additions(id),
    kind TEXT NOT NULL CHECK (kind IN ('tolerance', 'fefo')),
    reason TEXT NOT NULL CHECK (reason <> ''),
    detail TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL
);
CREATE INDEX material_overrides_order ON material_overrides (order_id);

CREATE TABLE production_deviations (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    order_id TEXT NOT NULL REFERENCES production_orders(id),
    kind TEXT NOT NULL,
    critical BOOLEAN NOT NULL,
    description TEXT NOT NULL,
    reading_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    raised_at TIMESTAMPTZ NOT NULL,
    raised_by_id TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    closed_at TIMESTAMPTZ,
    closure_reason TEXT NOT NULL DEFAULT '',
    closure_signature_id TEXT REFERENCES electronic_signatures(id)
);
CREATE INDEX production_deviations_order ON production_deviations (order_id, status);

CREATE TABLE process_readings (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES production_orders(id),
    step INTEGER NOT NULL,
    parameter TEXT NOT NULL,
    unit TEXT NOT NULL,
    value BIGINT NOT NULL,
    target BIGINT NOT NULL,
    min_value BIGINT NOT NULL,
    max_value BIGINT NOT NULL,
    ccp BOOLEAN NOT NULL,
    in_limits BOOLEAN NOT NULL,
    deviation_id TEXT REFERENCES production_deviations(id),
    note TEXT NOT NULL DEFAULT '',
    at TIMESTAMPTZ NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL
);
CREATE INDEX process_readings_order ON process_readings (order_id, at);

CREATE TABLE order_outputs (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES production_orders(id),
    lot_id TEXT NOT NULL REFERENCES lots(id),
    lot_code TEXT NOT NULL,
    location_id TEXT NOT NULL REFERENCES locations(id),
    qty BIGINT NOT NULL,
    unit TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    UNIQUE (order_id, idempotency_key)
);

-- +goose Down
DROP TABLE order_outputs;
DROP TABLE process_readings;
DROP TABLE production_deviations;
DROP TABLE material_overrides;
DROP TABLE material_additions;
DROP TABLE line_changeovers;
DROP TABLE production_lines;
DROP TABLE production_order_states;
DROP TABLE production_orders;
DROP TABLE recipe_step_additions;
DROP TABLE recipe_parameters;
DROP TABLE recipe_steps;
DROP TABLE recipe_substitutes;
DROP TABLE recipe_ingredients;
DROP TABLE recipe_versions;
DROP TABLE recipes;
DROP TABLE electronic_signatures;
