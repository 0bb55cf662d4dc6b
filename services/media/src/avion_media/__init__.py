"""The media service: uploads, processing and serving of media objects."""
