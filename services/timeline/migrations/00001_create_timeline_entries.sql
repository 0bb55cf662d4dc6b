-- +goose Up
-- Materialised timelines: a home timeline is fanned out on write; a user timeline lists authorship.
CREATE TABLE timeline_entries (
    owner_id   uuid NOT NULL,
    timeline   text NOT NULL CHECK (timeline IN ('home', 'user', 'community')),
    drop_id    uuid NOT NULL,
    author_id  uuid NOT NULL,
    reason     text NOT NULL DEFAULT 'authored'
               CHECK (reason IN ('authored', 'followed', 'redropped', 'community')),
    created_at timestamptz NOT NULL,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, timeline, drop_id)
);
CREATE INDEX timeline_entries_page_idx ON timeline_entries (owner_id, timeline, created_at DESC);
CREATE INDEX timeline_entries_drop_idx ON timeline_entries (drop_id);

-- +goose Down
DROP TABLE timeline_entries;
