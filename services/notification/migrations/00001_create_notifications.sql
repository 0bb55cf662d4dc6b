-- +goose Up
-- Notifications shown to a user; unread ones are the hot path.
CREATE TABLE notifications (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recipient_id uuid NOT NULL,
    actor_id     uuid,
    kind         text NOT NULL
                 CHECK (kind IN ('follow', 'reaction', 'reply', 'mention', 'community', 'moderation', 'system')),
    subject_type text,
    subject_id   uuid,
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    read_at      timestamptz
);
CREATE INDEX notifications_recipient_idx ON notifications (recipient_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (recipient_id) WHERE read_at IS NULL;

-- Delivery preferences per channel and kind; a missing row means the default (enabled).
CREATE TABLE notification_preferences (
    user_id    uuid NOT NULL,
    channel    text NOT NULL CHECK (channel IN ('in_app', 'email', 'push')),
    kind       text NOT NULL,
    enabled    boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, channel, kind)
);

-- +goose Down
DROP TABLE notification_preferences;
DROP TABLE notifications;
