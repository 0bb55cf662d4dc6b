-- +goose Up
-- +goose Sideways
SELECT 1;
