CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`topic` text NOT NULL,
	`payload` text NOT NULL,
	`organization` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `lease_until` text;