-- +goose Up
-- +goose StatementBegin
COPY public.content_type (id, app_label, model) FROM stdin;
1	admin	logentry
2	auth	permission
\.
-- +goose StatementEnd
