-- +goose Up
CREATE TABLE emp (
    name text,
    salary integer,
    changed_at timestamp
);

-- +goose StatementBegin
CREATE FUNCTION emp_stamp() RETURNS trigger AS $emp_stamp$
    BEGIN
        -- comments inside a block are kept
        IF NEW.salary < 0 THEN
            RAISE EXCEPTION '% cannot have a negative salary', NEW.name;
        END IF;

        NEW.changed_at := current_timestamp;
        RETURN NEW;
    END;
$emp_stamp$ LANGUAGE plpgsql; -- this trailing comment is kept too
-- and so is this one
-- +goose StatementEnd

CREATE TRIGGER emp_stamp BEFORE INSERT OR UPDATE ON emp
    FOR EACH ROW EXECUTE FUNCTION emp_stamp();

-- +goose Down
-- +goose StatementBegin
DROP TRIGGER emp_stamp ON emp
-- +goose StatementEnd
-- +goose StatementBegin
DROP FUNCTION emp_stamp()
-- +goose StatementEnd
DROP TABLE emp;
