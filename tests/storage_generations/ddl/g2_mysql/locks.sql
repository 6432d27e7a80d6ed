-- G2 locks, MySQL: disclosed_copy_discard added.
-- Source: block/schemabot pkg/schema/mysql/locks.sql @ 36630ef5c04e59ee42c79e531ffb672da794791e
-- Collation utf8mb4_0900_ai_ci (MySQL 8 only) becomes utf8mb4_uca1400_ai_ci on MariaDB.
CREATE TABLE `locks` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `database_name` varchar(255) NOT NULL,
  `database_type` varchar(50) NOT NULL,
  `repository` varchar(255) NOT NULL,
  `pull_request` int unsigned NOT NULL,
  `owner` varchar(255) NOT NULL,
  `pending_plan_id` varchar(255) NOT NULL DEFAULT '',
  `disclosed_copy_discard` tinyint(1) NOT NULL DEFAULT '0',
  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_database` (`database_name`,`database_type`),
  KEY `idx_repo_pr` (`repository`,`pull_request`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
