-- username and phone are each optional but at least one is set; both are
-- unique when present (NULLs do not collide).
CREATE TABLE users (
  id            VARCHAR(64)  NOT NULL PRIMARY KEY,
  username      VARCHAR(32)  NULL,
  phone         VARCHAR(24)  NULL,
  password_hash VARCHAR(255) NOT NULL,
  nickname      VARCHAR(32)  NOT NULL DEFAULT '',
  avatar_url    VARCHAR(512) NOT NULL DEFAULT '',
  role          TINYINT      NOT NULL DEFAULT 1,
  created_at    DATETIME(6)  NOT NULL,
  updated_at    DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_users_username (username),
  UNIQUE KEY uq_users_phone (phone)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE addresses (
  id             VARCHAR(64)  NOT NULL PRIMARY KEY,
  user_id        VARCHAR(64)  NOT NULL,
  recipient_name VARCHAR(64)  NOT NULL,
  phone          VARCHAR(24)  NOT NULL,
  province       VARCHAR(64)  NOT NULL,
  city           VARCHAR(64)  NOT NULL,
  district       VARCHAR(64)  NOT NULL DEFAULT '',
  detail         VARCHAR(256) NOT NULL,
  postal_code    VARCHAR(16)  NOT NULL DEFAULT '',
  is_default     BOOLEAN      NOT NULL DEFAULT FALSE,
  created_at     DATETIME(6)  NOT NULL,
  updated_at     DATETIME(6)  NOT NULL,
  KEY idx_addresses_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- seq orders a user's favorites newest first and is the list cursor;
-- favoriting again after a removal gets a new seq.
CREATE TABLE favorites (
  seq        BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    VARCHAR(64) NOT NULL,
  product_id VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_favorites_user_product (user_id, product_id),
  KEY idx_favorites_user_seq (user_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
