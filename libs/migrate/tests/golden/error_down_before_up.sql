-- +goose Down
DROP TABLE post;
