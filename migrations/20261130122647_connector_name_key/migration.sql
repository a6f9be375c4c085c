ALTER TABLE `connectors` ADD `name_key` text DEFAULT '' NOT NULL;--> statement-breakpoint
DROP INDEX IF EXISTS `connectors_name_idx`;--> statement-breakpoint
DROP INDEX IF EXISTS `connectors_level_idx`;--> statement-breakpoint
CREATE INDEX `connectors_name_key_idx` ON `connectors` (`name_key`,`slug`);--> statement-breakpoint
CREATE INDEX `connectors_level_name_key_idx` ON `connectors` (`support_level`,`name_key`,`slug`);