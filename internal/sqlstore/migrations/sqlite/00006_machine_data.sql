-- +goose Up
-- Machine data: tag mappings, the pipeline's watermarks, equipment state
-- intervals, good and rejected counts per minute, raw and downsampled process
-- values, and the settings OEE reports need (downtime reasons, shifts, rates).
-- Times are TEXT in the fixed-width UTC form, as everywhere; minutes are
-- times truncated to the minute. Process values, the one high-volume table,
-- have no foreign key and no index but their primary key: Downsample walks
-- them tag by tag along that key, and the pipeline writes only mapped tags.
CREATE TABLE machine_tags (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    equipment_id TEXT NOT NULL REFERENCES equipment(id),
    address TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    state_map TEXT NOT NULL DEFAULT '{}',
    counter_max INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX machine_tags_site ON machine_tags (site_id, address);
CREATE INDEX machine_tags_equipment ON machine_tags (equipment_id);

CREATE TABLE machine_watermarks (
    tag_id TEXT PRIMARY KEY REFERENCES machine_tags(id),
    ts TEXT NOT NULL,
    value REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE downtime_reasons (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    parent_id TEXT REFERENCES downtime_reasons(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    planned BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (site_id, code)
);

CREATE TABLE equipment_intervals (
    id TEXT PRIMARY KEY,
    equipment_id TEXT NOT NULL REFERENCES equipment(id),
    state TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    reason_id TEXT REFERENCES downtime_reasons(id),
    reason_note TEXT NOT NULL DEFAULT '',
    classified_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX equipment_intervals_start ON equipment_intervals (equipment_id, started_at);
-- At most one interval of an equipment lasts.
CREATE UNIQUE INDEX equipment_intervals_open ON equipment_intervals (equipment_id) WHERE ended_at IS NULL;

CREATE TABLE equipment_counts (
    equipment_id TEXT NOT NULL REFERENCES equipment(id),
    minute TEXT NOT NULL,
    good INTEGER NOT NULL,
    reject INTEGER NOT NULL,
    PRIMARY KEY (equipment_id, minute)
) WITHOUT ROWID;

CREATE TABLE equipment_hours (
    equipment_id TEXT NOT NULL REFERENCES equipment(id),
    hour TEXT NOT NULL,
    running_us INTEGER NOT NULL,
    setup_us INTEGER NOT NULL,
    down_us INTEGER NOT NULL,
    idle_us INTEGER NOT NULL,
    unknown_us INTEGER NOT NULL,
    planned_us INTEGER NOT NULL,
    good INTEGER NOT NULL,
    reject INTEGER NOT NULL,
    PRIMARY KEY (equipment_id, hour)
) WITHOUT ROWID;

CREATE TABLE process_values (
    tag_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (tag_id, ts)
) WITHOUT ROWID;

CREATE TABLE process_minutes (
    tag_id TEXT NOT NULL,
    minute TEXT NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    mean REAL NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (tag_id, minute)
) WITHOUT ROWID;

CREATE TABLE shifts (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    name TEXT NOT NULL,
    start_minute INTEGER NOT NULL,
    length_minutes INTEGER NOT NULL,
    weekdays INTEGER NOT NULL, -- bit d: the shift starts on time.Weekday d; 0: every day
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX shifts_site ON shifts (site_id);

-- item_id '' is the equipment's default rate: a NULL would not be unique.
CREATE TABLE equipment_rates (
    equipment_id TEXT NOT NULL REFERENCES equipment(id),
    item_id TEXT NOT NULL,
    per_unit_us INTEGER NOT NULL CHECK (per_unit_us > 0),
    PRIMARY KEY (equipment_id, item_id)
);

-- +goose Down
DROP TABLE equipment_rates;
DROP TABLE shifts;
DROP TABLE process_minutes;
DROP TABLE process_values;
DROP TABLE equipment_hours;
DROP TABLE equipment_counts;
DROP TABLE equipment_intervals;
DROP TABLE downtime_reasons;
DROP TABLE machine_watermarks;
DROP TABLE machine_tags;
