-- +goose Up
-- +goose StatementBegin
-- +goose StatementEnd
CREATE TABLE goose_would_drop_this_line (id int);
CREATE TABLE kept (id int);
