CREATE TABLE `places` (
  `id` bigint NOT NULL,
  `location` point NOT NULL /*!80003 SRID 4326 */,
  `label` varchar(80) NOT NULL,
  PRIMARY KEY (`id`),
  SPATIAL KEY `sp_location` (`location`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci
