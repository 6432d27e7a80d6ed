-- G2 plans, MySQL.
-- Source: block/schemabot pkg/schema/mysql/plans.sql @ 56ec81c102d538df1e57a5e39c007b8f7a76785a
-- Collation utf8mb4_0900_ai_ci (MySQL 8 only) becomes utf8mb4_uca1400_ai_ci on MariaDB.
CREATE TABLE `plans` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `plan_identifier` varchar(255) NOT NULL,
  `database_name` varchar(255) NOT NULL,
  `database_type` varchar(50) NOT NULL,
  `deployment` varchar(255) NOT NULL DEFAULT '',
  `target` varchar(255) NOT NULL DEFAULT '',
  `repository` varchar(255) NOT NULL,
  `pull_request` int unsigned NOT NULL,
  `schema_path` varchar(1024) NOT NULL DEFAULT '',
  `environment` varchar(50) NOT NULL DEFAULT '',
  `schema_files` json NOT NULL,
  `plan_data` json NOT NULL,
  `head_sha` varchar(64) NOT NULL DEFAULT '',
  `primary_plan_identifier` varchar(255) NOT NULL DEFAULT '',
  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_plan_identifier` (`plan_identifier`),
  KEY `idx_repo_pr` (`repository`,`pull_request`),
  KEY `idx_database_env` (`database_name`,`database_type`,`environment`),
  KEY `idx_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
