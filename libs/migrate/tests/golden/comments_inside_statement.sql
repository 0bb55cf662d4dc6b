-- +goose Up

CREATE TABLE keys (
    id integer NOT NULL,
    "publicKey" text
-- a comment inside the statement is kept
);
-- dropped: no statement has started

-- dangling
-- comments

CREATE TABLE keys_backup (
    id integer NOT NULL,
    -- kept
    "publicKey" text
    -- kept
);


-- +goose Down
