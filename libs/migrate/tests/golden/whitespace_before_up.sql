    

-- a comment before the Up annotation
-- +goose Up
-- +goose StatementBegin
CREATE INDEX ON users (user_id);
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP INDEX IF EXISTS users_user_id_idx;
-- +goose StatementEnd
