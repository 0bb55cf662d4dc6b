-- +goose Up
CREATE TABLE article (id text, content text);

INSERT INTO article (id, content) VALUES ('a1', E'# Title

first paragraph

-- not a comment: inside a string literal
    -- nor this

last paragraph');

INSERT INTO article (id, content) VALUES ('a2', 'a line ending in a semicolon;
ends the statement early, as goose does');

-- +goose Down
DROP TABLE article;
