-- +goose Up
-- Communities and who belongs to them.
CREATE TABLE communities (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug         text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description  text NOT NULL DEFAULT '',
    owner_id     uuid NOT NULL,
    visibility   text NOT NULL DEFAULT 'public'
                 CHECK (visibility IN ('public', 'restricted', 'private')),
    member_count integer NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT communities_slug_key UNIQUE (slug)
);

CREATE TABLE community_memberships (
    community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL,
    role         text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'moderator', 'member')),
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'invited', 'banned', 'left')),
    joined_at    timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX community_memberships_user_idx ON community_memberships (user_id) WHERE status = 'active';
-- Exactly one owner per community.
CREATE UNIQUE INDEX community_memberships_owner_idx ON community_memberships (community_id)
    WHERE role = 'owner';

-- +goose Down
DROP TABLE community_memberships;
DROP TABLE communities;
