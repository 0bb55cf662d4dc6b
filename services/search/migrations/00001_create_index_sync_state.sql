-- +goose Up
-- What has been pushed to Meilisearch: one row per document per index, and a cursor per index
-- over the event stream the documents come from.
CREATE TABLE index_sync_documents (
    index_name     text NOT NULL CHECK (index_name IN ('users', 'drops', 'communities')),
    document_id    uuid NOT NULL,
    source_version bigint NOT NULL CHECK (source_version >= 0),
    operation      text NOT NULL CHECK (operation IN ('upsert', 'delete')),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'synced', 'failed')),
    attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error     text,
    enqueued_at    timestamptz NOT NULL DEFAULT now(),
    synced_at      timestamptz,
    PRIMARY KEY (index_name, document_id)
);
CREATE INDEX index_sync_documents_pending_idx ON index_sync_documents (index_name, enqueued_at)
    WHERE status <> 'synced';

CREATE TABLE index_sync_cursors (
    index_name    text PRIMARY KEY CHECK (index_name IN ('users', 'drops', 'communities')),
    last_event_id bigint NOT NULL DEFAULT 0,
    settings_hash text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO index_sync_cursors (index_name) VALUES ('users'), ('drops'), ('communities');

-- +goose Down
DROP TABLE index_sync_cursors;
DROP TABLE index_sync_documents;
