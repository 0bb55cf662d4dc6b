-- +goose ENVSUB ON
-- +goose Up
CREATE TABLE post (
    id int NOT NULL,
    ${SOME_UNSET_VAR?required env var not set} text
);
