CREATE TABLE `shard_map` (
  `tenant_id` bigint NOT NULL,
  `shard` smallint unsigned NOT NULL,
  `moved_at` datetime DEFAULT NULL,
  PRIMARY KEY (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci
/*!50100 PARTITION BY HASH (`tenant_id`)
PARTITIONS 8 */
