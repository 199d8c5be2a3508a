-- +goose Up
-- Operators on shared tablets sign in with a badge number and a PIN.
ALTER TABLE users ADD COLUMN badge TEXT;
ALTER TABLE users ADD COLUMN pin_hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_badge ON users (badge);

-- +goose Down
DROP INDEX users_badge;
ALTER TABLE users DROP COLUMN pin_hash;
ALTER TABLE users DROP COLUMN badge;
