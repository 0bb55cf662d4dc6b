CREATE TABLE post (id int);
-- +goose Up
SELECT 1;
