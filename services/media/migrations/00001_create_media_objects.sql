-- +goose Up
-- Media objects and where they live: uploads land in avion-media-uploads, processed renditions
-- in avion-media-processed (served through the CDN) and point back at their original.
CREATE TABLE media_objects (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id        uuid NOT NULL,
    bucket          text NOT NULL CHECK (bucket IN ('avion-media-uploads', 'avion-media-processed')),
    object_key      text NOT NULL,
    content_type    text NOT NULL,
    byte_size       bigint NOT NULL CHECK (byte_size >= 0),
    checksum_sha256 text CHECK (checksum_sha256 ~ '^[0-9a-f]{64}$'),
    width           integer CHECK (width > 0),
    height          integer CHECK (height > 0),
    status          text NOT NULL DEFAULT 'uploading'
                    CHECK (status IN ('uploading', 'uploaded', 'processing', 'ready', 'failed', 'deleted')),
    original_id     uuid REFERENCES media_objects (id) ON DELETE CASCADE,
    variant         text NOT NULL DEFAULT 'original',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT media_objects_location_key UNIQUE (bucket, object_key),
    CONSTRAINT media_objects_variant_key UNIQUE (original_id, variant)
);
CREATE INDEX media_objects_owner_idx ON media_objects (owner_id, created_at DESC);
CREATE INDEX media_objects_pending_idx ON media_objects (status)
    WHERE status IN ('uploaded', 'processing');

-- +goose Down
DROP TABLE media_objects;
