-- +goose Up
CREATE TABLE post (
    id int NOT NULL,
    title text,
    PRIMARY KEY (id)
);                  -- the first statement ends here

-- comments between statements are dropped
SELECT 2;           -- second
SELECT 3; SELECT 3; -- one line, one statement
SELECT 4 -- not the end: the semicolon is inside a comment ;
    ;

-- +goose Down
-- comment
DROP TABLE post;    -- first down statement
