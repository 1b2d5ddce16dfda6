-- Pictures shoppers upload for their reviews, kept here (the bytes, their
-- type and size as read from them, a sha256) so the server that checked
-- them is the one that serves them. review_id is NULL until a review uses
-- the picture, once; unused ones expire. The id is exact (ascii_bin): no
-- other spelling of it names the picture.
CREATE TABLE review_images (
  id           VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  user_id      VARCHAR(64)  NOT NULL,
  review_id    VARCHAR(64)  NULL,
  content_type VARCHAR(32)  NOT NULL,
  width        INT          NOT NULL,
  height       INT          NOT NULL,
  size_bytes   INT          NOT NULL,
  sha256       BINARY(32)   NOT NULL,
  data         MEDIUMBLOB   NOT NULL,
  created_at   DATETIME(6)  NOT NULL,
  KEY idx_review_images_user (user_id, review_id, created_at),
  KEY idx_review_images_unused (review_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- One row per uploader, locked by every upload: the per-user cap on
-- unused pictures holds however many uploads arrive at once.
CREATE TABLE image_uploaders (
  user_id    VARCHAR(64) NOT NULL PRIMARY KEY,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
