-- +goose Up
-- The follow graph: follower_id follows followee_id.
CREATE TABLE follows (
    follower_id uuid NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
    followee_id uuid NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, followee_id),
    CONSTRAINT follows_not_self CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee_idx ON follows (followee_id, created_at DESC);

-- +goose Down
DROP TABLE follows;
