ALTER TABLE `api_tokens` ADD `cost_budget` integer;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `cost_restore_rate` integer;