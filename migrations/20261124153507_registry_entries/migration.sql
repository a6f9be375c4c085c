CREATE TABLE `registry_entries` (
	`connector_id` integer NOT NULL,
	`registry` text NOT NULL,
	`entry` text NOT NULL,
	`imported_from` text NOT NULL,
	`imported_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT `registry_entries_pk` PRIMARY KEY(`connector_id`, `registry`),
	CONSTRAINT `fk_registry_entries_connector_id_connectors_id_fk` FOREIGN KEY (`connector_id`) REFERENCES `connectors`(`id`) ON DELETE CASCADE,
	CONSTRAINT "registry_entries_registry" CHECK(registry in ('oss', 'cloud'))
);
--> statement-breakpoint
CREATE INDEX `registry_entries_registry_idx` ON `registry_entries` (`registry`,`connector_id`);