CREATE TABLE `sessions` (
  `id` binary(16) NOT NULL DEFAULT (uuid_to_bin(uuid())),
  `user_email` varchar(255) NOT NULL,
  `data` json NOT NULL DEFAULT (json_object()),
  `secret` varchar(64) NOT NULL /*!80023 INVISIBLE */,
  `last_seen` datetime(3) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_email_lower` ((lower(`user_email`))),
  KEY `idx_last_seen` (`last_seen` DESC)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci
