

-- comment
-- +goose Up

-- only a comment
-- +goose Down

