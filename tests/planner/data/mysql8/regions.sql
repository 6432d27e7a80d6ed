CREATE TABLE `regions` (
  `id` bigint NOT NULL,
  `country` char(2) NOT NULL,
  `name` varchar(100) NOT NULL,
  PRIMARY KEY (`id`,`country`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci
/*!50500 PARTITION BY LIST  COLUMNS(country)
(PARTITION p_na VALUES IN ('US','CA','MX') ENGINE = InnoDB,
 PARTITION p_eu VALUES IN ('DE','FR','NL') ENGINE = InnoDB) */
