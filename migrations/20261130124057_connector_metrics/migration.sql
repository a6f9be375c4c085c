ALTER TABLE `connectors` ADD `usage` text;--> statement-breakpoint
ALTER TABLE `connectors` ADD `sync_success_rate` text;--> statement-breakpoint
CREATE INDEX `connectors_usage_idx` ON `connectors` ((case "usage" when 'low' then '1' when 'medium' then '2' when 'high' then '3' else '0' end),`id`);--> statement-breakpoint
CREATE INDEX `connectors_sync_success_rate_idx` ON `connectors` ((case "sync_success_rate" when 'low' then '1' when 'medium' then '2' when 'high' then '3' else '0' end),`id`);--> statement-breakpoint
CREATE INDEX `connectors_facets_idx` ON `connectors` (`type`,`support_level`,`language`,`enabled_on`,`organization`);