-- +goose Up
-- Drops are Avion's posts; a reply points at the drop it answers.
CREATE TABLE drops (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    author_id      uuid NOT NULL,
    body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    reply_to_id    uuid REFERENCES drops (id) ON DELETE SET NULL,
    community_id   uuid,
    media_ids      uuid[] NOT NULL DEFAULT '{}',
    visibility     text NOT NULL DEFAULT 'public'
                   CHECK (visibility IN ('public', 'followers', 'community', 'direct')),
    reaction_count integer NOT NULL DEFAULT 0 CHECK (reaction_count >= 0),
    reply_count    integer NOT NULL DEFAULT 0 CHECK (reply_count >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    edited_at      timestamptz,
    deleted_at     timestamptz
);
CREATE INDEX drops_author_idx ON drops (author_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX drops_reply_to_idx ON drops (reply_to_id) WHERE reply_to_id IS NOT NULL;

-- Reactions: one of each kind per user per drop.
CREATE TABLE reactions (
    drop_id    uuid NOT NULL REFERENCES drops (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('like', 'redrop', 'bookmark')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (drop_id, user_id, kind)
);
CREATE INDEX reactions_user_idx ON reactions (user_id, created_at DESC);

-- +goose Down
DROP TABLE reactions;
DROP TABLE drops;
