-- +goose Up
CREATE TABLE histories (id bigserial PRIMARY KEY);

-- +goose StatementBegin
CREATE FUNCTION f() RETURNS void AS $$
BEGIN
  PERFORM 1;
END;
$$ LANGUAGE plpgsql;

-- +goose Down
DROP FUNCTION f();
