CREATE TABLE `order` (
  `id` bigint NOT NULL,
  `group` varchar(20) NOT NULL,
  `größe` decimal(6,2) DEFAULT NULL,
  `select` int DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `key` (`group`,`select`),
  CONSTRAINT `order_chk_1` CHECK ((`größe` > 0))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci
