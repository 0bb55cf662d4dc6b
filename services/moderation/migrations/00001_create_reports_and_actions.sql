-- +goose Up
-- Reports filed by users about content or accounts, and what moderators did about them.
CREATE TABLE reports (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reporter_id  uuid NOT NULL,
    subject_type text NOT NULL CHECK (subject_type IN ('user', 'drop', 'community', 'media')),
    subject_id   uuid NOT NULL,
    reason       text NOT NULL
                 CHECK (reason IN ('spam', 'harassment', 'hate', 'violence', 'sexual', 'copyright', 'other')),
    details      text NOT NULL DEFAULT '' CHECK (length(details) <= 2000),
    status       text NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'triaged', 'actioned', 'dismissed')),
    assigned_to  uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz,
    CONSTRAINT reports_resolution CHECK ((status IN ('actioned', 'dismissed')) = (resolved_at IS NOT NULL))
);
CREATE INDEX reports_queue_idx ON reports (status, created_at) WHERE status IN ('open', 'triaged');
CREATE INDEX reports_subject_idx ON reports (subject_type, subject_id);
-- One open report per reporter and subject.
CREATE UNIQUE INDEX reports_open_once_idx ON reports (reporter_id, subject_type, subject_id)
    WHERE status IN ('open', 'triaged');

CREATE TABLE moderation_actions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    report_id    uuid REFERENCES reports (id) ON DELETE SET NULL,
    moderator_id uuid NOT NULL,
    subject_type text NOT NULL CHECK (subject_type IN ('user', 'drop', 'community', 'media')),
    subject_id   uuid NOT NULL,
    action       text NOT NULL CHECK (action IN ('warn', 'hide', 'remove', 'suspend', 'ban', 'restore')),
    note         text NOT NULL DEFAULT '',
    expires_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_actions_subject_idx ON moderation_actions (subject_type, subject_id, created_at DESC);

-- +goose Down
DROP TABLE moderation_actions;
DROP TABLE reports;
