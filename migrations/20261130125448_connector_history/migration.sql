CREATE TABLE `connector_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`connector_id` integer NOT NULL,
	`field` text NOT NULL,
	`scope` text DEFAULT '' NOT NULL,
	`value` text,
	`effective_at` text NOT NULL,
	`recorded_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`actor` text,
	`source` text NOT NULL,
	`import_id` integer,
	CONSTRAINT `fk_connector_history_connector_id_connectors_id_fk` FOREIGN KEY (`connector_id`) REFERENCES `connectors`(`id`) ON DELETE CASCADE,
	CONSTRAINT `fk_connector_history_import_id_import_log_id_fk` FOREIGN KEY (`import_id`) REFERENCES `import_log`(`id`),
	CONSTRAINT "connector_history_source" CHECK(source in ('mutation', 'import', 'seed', 'migration', 'unattributed'))
);
--> statement-breakpoint
CREATE TABLE `connector_history_horizon` (
	`connector_id` integer PRIMARY KEY,
	`last_effective_at` text NOT NULL,
	`disordered` integer DEFAULT false NOT NULL,
	CONSTRAINT `fk_connector_history_horizon_connector_id_connectors_id_fk` FOREIGN KEY (`connector_id`) REFERENCES `connectors`(`id`) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE `history_context` (
	`id` integer PRIMARY KEY,
	`actor` text,
	`source` text NOT NULL,
	`import_id` integer,
	`effective_at` text,
	CONSTRAINT "history_context_one_row" CHECK("id" = 1)
);
--> statement-breakpoint
CREATE INDEX `connector_history_asof_idx` ON `connector_history` (`connector_id`,`field`,`scope`,`effective_at`,`id`);