-- +goose Up
SELECT 1;

-- +goose Down
ALTER TABLE post
    DROP COLUMN title
