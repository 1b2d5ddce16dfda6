-- session_epoch counts the password changes: a token carries the epoch it
-- was issued in, and a change revokes every token of an older one.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0 AFTER role;
