-- +goose Up
-- Platform-wide settings administrators change at run time; every value is JSON.
CREATE TABLE platform_settings (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
    value       jsonb NOT NULL,
    description text NOT NULL DEFAULT '',
    updated_by  text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO platform_settings (key, value, description) VALUES
    ('signup.enabled', 'true', 'Whether new accounts can sign up'),
    ('drops.max_length', '500', 'Maximum characters in a drop'),
    ('media.max_upload_bytes', '10485760', 'Largest accepted upload');

-- +goose Down
DROP TABLE platform_settings;
