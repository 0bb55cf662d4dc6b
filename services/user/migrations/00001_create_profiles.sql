-- +goose Up
-- Public profiles; user_id is the auth service's users.id (another database, so no foreign key).
CREATE TABLE profiles (
    user_id         uuid PRIMARY KEY,
    username        text NOT NULL,
    display_name    text NOT NULL DEFAULT '' CHECK (length(display_name) <= 50),
    bio             text NOT NULL DEFAULT '' CHECK (length(bio) <= 300),
    avatar_media_id uuid,
    location        text,
    website         text,
    follower_count  integer NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
    following_count integer NOT NULL DEFAULT 0 CHECK (following_count >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX profiles_username_key ON profiles (lower(username));

-- +goose Down
DROP TABLE profiles;
