-- +goose Up
SELECT '$GOOSE_ENV_NAME stays: envsub is off by default';

-- +goose ENVSUB ON
CREATE TABLE ${GOOSE_ENV_REGION}post (
    id int NOT NULL,
    $GOOSE_ENV_NAME text,
    ${GOOSE_ENV_NAME}_title text,
    ${ANOTHER_VAR:-default}_title text,
    ${GOOSE_ENV_SET_BUT_EMPTY_VALUE-default}title text,
    ${GOOSE_ENV_SET_BUT_EMPTY_VALUE:-fallback}_title text
);
-- +goose ENVSUB OFF

SELECT '${GOOSE_ENV_NAME} $GOOSE_ENV_NAME untouched again';

-- +goose StatementBegin
CREATE FUNCTION test_func() RETURNS void AS $$
-- +goose ENVSUB ON
BEGIN
    RAISE NOTICE '${GOOSE_ENV_NAME} \$GOOSE_ENV_NAME $$GOOSE_ENV_NAME ${UNSET_VAR}|$(not expanded)';
END;
-- +goose ENVSUB OFF
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
-- +goose ENVSUB ON
DROP TABLE ${GOOSE_ENV_REGION}post;
