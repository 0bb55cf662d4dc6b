-- +goose Up
SELECT 1;
-- +goose Down
-- +goose ENVSUB ON
DROP TABLE ${MISSING?set MISSING to the table name};
