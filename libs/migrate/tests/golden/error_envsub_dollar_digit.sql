-- +goose Up
-- +goose ENVSUB ON
-- +goose StatementBegin
CREATE FUNCTION add(a int, b int) RETURNS int AS 'SELECT $1 + $2' LANGUAGE sql;
-- +goose StatementEnd
