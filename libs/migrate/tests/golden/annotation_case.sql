-- +goose UP
--+goose   statementbegin   
SELECT 1;
-- +goose STATEMENTEND
-- +goose no transaction
-- +goose down
SELECT 2;
