-- +goose Up
CREATE TABLE post (id int);

-- +goose Down
DROP TABLE post;

-- +goose Up
CREATE TABLE fancier_post (id int);
