-- +goose Up
-- written for +goose, which reads every comment line holding that word
SELECT 1;
