CREATE TABLE `connector_renames` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`connector_id` integer NOT NULL,
	`from_definition_id` text NOT NULL,
	`to_definition_id` text NOT NULL,
	`from_slug` text NOT NULL,
	`to_slug` text NOT NULL,
	`registry` text,
	`import_id` integer,
	`recorded_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT `fk_connector_renames_connector_id_connectors_id_fk` FOREIGN KEY (`connector_id`) REFERENCES `connectors`(`id`) ON DELETE CASCADE,
	CONSTRAINT `fk_connector_renames_import_id_import_log_id_fk` FOREIGN KEY (`import_id`) REFERENCES `import_log`(`id`)
);
--> statement-breakpoint
CREATE TABLE `import_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`actor` text NOT NULL,
	`source` text NOT NULL,
	`content_hash` text NOT NULL,
	`registries` text NOT NULL,
	`as_of` text,
	`forced` integer DEFAULT false NOT NULL,
	`summary` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `breaking_changes` ADD `demo` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `certification_events` ADD `effective_at` text;--> statement-breakpoint
ALTER TABLE `certification_events` ADD `import_id` integer REFERENCES import_log(id);--> statement-breakpoint
ALTER TABLE `connectors` ADD `demo` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `connector_renames_connector_idx` ON `connector_renames` (`connector_id`,`id`);--> statement-breakpoint
CREATE INDEX `connector_renames_from_idx` ON `connector_renames` (`from_definition_id`);--> statement-breakpoint
-- Databases seeded before this migration: a public connector that no registry import wrote came from the demo seed.
UPDATE `connectors` SET `demo` = 1 WHERE `organization` IS NULL AND `id` NOT IN (SELECT `connector_id` FROM `registry_entries`);--> statement-breakpoint
UPDATE `breaking_changes` SET `demo` = 1 WHERE `connector_id` IN (SELECT `id` FROM `connectors` WHERE `demo` = 1);
