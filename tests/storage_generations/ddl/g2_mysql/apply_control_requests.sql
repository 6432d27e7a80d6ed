-- G2 (unchanged since G1) apply_control_requests, MySQL.
-- Source: pkg/schema/mysql/apply_control_requests.sql @ 6df8ce57b2201426d40d964feb5e2985bb89c09f,
-- read from the stored mirror fork-the-planet/block___schemabot (block/schemabot's copy of this
-- path is not stored; its PostgreSQL twin @ 36630ef5 has the same columns).
-- Collation utf8mb4_0900_ai_ci (MySQL 8 only) becomes utf8mb4_uca1400_ai_ci on MariaDB.
CREATE TABLE `apply_control_requests` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `apply_id` bigint unsigned NOT NULL,
  `operation` varchar(50) NOT NULL,
  `status` varchar(50) NOT NULL,
  `requested_by` varchar(255) NOT NULL DEFAULT '',
  `error_message` text,
  `metadata` json NOT NULL,
  `completed_at` datetime DEFAULT NULL,
  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_apply_control_request_apply_operation` (`apply_id`,`operation`),
  KEY `idx_apply_control_request_status` (`status`,`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
