-- +goose Up
CREATE TABLE crlf (
    id int
);

-- +goose Down
DROP TABLE crlf;
