-- +goose Up
-- +goose StatementBegin



-- leading comments of a block are dropped
  -- indented ones too


CREATE FUNCTION answer() RETURNS integer AS $$
BEGIN
  -- kept

  RETURN 42;
END;
$$ LANGUAGE plpgsql;

-- kept: the block already started
  -- kept as well


-- +goose StatementEnd
