-- +goose Up
-- +goose StatementBegin
create table t ( id int );
update t set id = 1 -- no semicolon needed inside a block
-- +goose StatementEnd

-- +goose Down
DROP TABLE IF EXISTS t;
