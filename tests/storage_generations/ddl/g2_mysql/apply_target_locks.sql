-- G2 (unchanged since G1) apply_target_locks (legacy, unused), MySQL.
-- Source: pkg/schema/mysql/apply_target_locks.sql @ 54137a7f384ed5c278d0dd50f732e36e3a2751e0,
-- read from the stored mirror fork-the-planet/block___schemabot (block/schemabot's copy of this
-- path is not stored; its PostgreSQL twin @ 36630ef5 has the same columns).
-- Collation utf8mb4_0900_ai_ci (MySQL 8 only) becomes utf8mb4_uca1400_ai_ci on MariaDB.
CREATE TABLE `apply_target_locks` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `database_name` varchar(255) NOT NULL,
  `database_type` varchar(50) NOT NULL,
  `environment` varchar(50) NOT NULL,
  `deployment` varchar(255) NOT NULL DEFAULT '',
  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_apply_target` (`database_name`,`database_type`,`environment`),
  UNIQUE KEY `idx_apply_target_v2` (`database_name`,`database_type`,`environment`,`deployment`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
