CREATE TABLE `events` (
  `id` bigint NOT NULL,
  `created` date NOT NULL,
  `kind` varchar(32) NOT NULL,
  `payload` json DEFAULT NULL,
  PRIMARY KEY (`id`,`created`),
  KEY `idx_kind` (`kind`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci
/*!50100 PARTITION BY RANGE (year(`created`))
(PARTITION p2023 VALUES LESS THAN (2024) ENGINE = InnoDB,
 PARTITION p2024 VALUES LESS THAN (2025) ENGINE = InnoDB,
 PARTITION pmax VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */
