CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`actor` text,
	`action` text NOT NULL,
	`target` text,
	`client_address` text,
	`outcome` text NOT NULL,
	`code` text,
	`detail` text NOT NULL,
	`import_id` integer,
	CONSTRAINT `fk_audit_log_import_id_import_log_id_fk` FOREIGN KEY (`import_id`) REFERENCES `import_log`(`id`),
	CONSTRAINT "audit_log_outcome" CHECK("outcome" in ('succeeded', 'refused', 'failed'))
);
--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `expires_at` text;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `previous_token_hash` text;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `previous_expires_at` text;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `rotated_at` text;--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_previous_token_hash_idx` ON `api_tokens` (`previous_token_hash`);--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_log_action_idx` ON `audit_log` (`action`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_actor_idx` ON `audit_log` (`actor`,`at`);