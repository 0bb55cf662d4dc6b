-- +goose Up
-- Optimistic concurrency: each write names the version it read and increments it; a write that
-- finds another version lost a race and is refused (avion_ddd's CONFLICT).
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version > 0);

-- +goose Down
ALTER TABLE users DROP COLUMN version;
