CREATE TABLE `legacy_metrics` (
  `id` int(10) unsigned zerofill NOT NULL AUTO_INCREMENT,
  `host` char(64) NOT NULL,
  `ratio` float(7,3) DEFAULT NULL,
  `value` double NOT NULL DEFAULT '0',
  `flags` set('a','b','c') NOT NULL DEFAULT '',
  `active` bit(1) NOT NULL DEFAULT b'1',
  `year_seen` year DEFAULT NULL,
  `elapsed` time(3) DEFAULT NULL,
  `raw` varbinary(64) DEFAULT NULL,
  `notes` text,
  PRIMARY KEY (`id`),
  KEY `idx_host` (`host`) USING BTREE COMMENT 'lookups by host'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8
