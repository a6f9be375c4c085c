CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL UNIQUE,
	`token_hash` text NOT NULL UNIQUE,
	`scopes` text NOT NULL,
	`organization` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`last_used_at` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE TABLE `breaking_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`connector_id` integer NOT NULL,
	`version` text NOT NULL,
	`upgrade_deadline` text NOT NULL,
	`message` text NOT NULL,
	`migration_documentation_url` text,
	`deadline_action` text,
	`scoped_impact` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT `fk_breaking_changes_connector_id_connectors_id_fk` FOREIGN KEY (`connector_id`) REFERENCES `connectors`(`id`) ON DELETE CASCADE,
	CONSTRAINT "breaking_changes_deadline_action" CHECK("deadline_action" is null or deadline_action in ('auto_upgrade', 'disable'))
);
--> statement-breakpoint
CREATE TABLE `certification_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`connector_id` integer NOT NULL,
	`from_level` text NOT NULL,
	`to_level` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text NOT NULL,
	`evidence` text,
	`source` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT `fk_certification_events_connector_id_connectors_id_fk` FOREIGN KEY (`connector_id`) REFERENCES `connectors`(`id`) ON DELETE CASCADE,
	CONSTRAINT "certification_events_source" CHECK(source in ('mutation', 'import', 'seed'))
);
--> statement-breakpoint
CREATE TABLE `connector_availability` (
	`connector_id` integer NOT NULL,
	`deployment` text NOT NULL,
	`enabled` integer NOT NULL,
	`docker_image_tag` text,
	`docker_repository` text,
	CONSTRAINT `connector_availability_pk` PRIMARY KEY(`connector_id`, `deployment`),
	CONSTRAINT `fk_connector_availability_connector_id_connectors_id_fk` FOREIGN KEY (`connector_id`) REFERENCES `connectors`(`id`) ON DELETE CASCADE,
	CONSTRAINT `fk_connector_availability_deployment_deployments_key_fk` FOREIGN KEY (`deployment`) REFERENCES `deployments`(`key`)
);
--> statement-breakpoint
CREATE TABLE `connectors` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`definition_id` text NOT NULL UNIQUE,
	`slug` text NOT NULL UNIQUE,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`support_level` text NOT NULL,
	`release_stage` text,
	`docker_repository` text NOT NULL,
	`docker_image_tag` text NOT NULL,
	`documentation_url` text,
	`icon_url` text,
	`language` text,
	`license` text,
	`subtype` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`release_date` text,
	`internal_sl` integer,
	`internal_ql` integer,
	`organization` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	CONSTRAINT `fk_connectors_support_level_support_levels_key_fk` FOREIGN KEY (`support_level`) REFERENCES `support_levels`(`key`),
	CONSTRAINT "connectors_type" CHECK(type in ('source', 'destination')),
	CONSTRAINT "connectors_release_stage" CHECK("release_stage" is null or release_stage in ('alpha', 'beta', 'generally_available', 'custom')),
	CONSTRAINT "connectors_revision" CHECK("revision" >= 1)
);
--> statement-breakpoint
CREATE TABLE `deployments` (
	`key` text PRIMARY KEY,
	`label` text NOT NULL,
	`description` text NOT NULL,
	`sort_order` integer NOT NULL,
	CONSTRAINT "deployments_key" CHECK(key in ('cloud', 'powered_by_airbyte', 'self_managed_enterprise', 'community_oss'))
);
--> statement-breakpoint
CREATE TABLE `sla_tiers` (
	`key` text PRIMARY KEY,
	`label` text NOT NULL,
	`description` text NOT NULL,
	`conditions` text NOT NULL,
	`official_sla` integer NOT NULL,
	`requires_premium_support` integer NOT NULL,
	`sort_order` integer NOT NULL,
	CONSTRAINT "sla_tiers_key" CHECK(key in ('official_sla', 'best_effort_sla', 'community_slack', 'none'))
);
--> statement-breakpoint
CREATE TABLE `support_levels` (
	`key` text PRIMARY KEY,
	`label` text NOT NULL,
	`availability` text NOT NULL,
	`who_builds` text NOT NULL,
	`who_maintains` text NOT NULL,
	`production_readiness` text NOT NULL,
	`breaking_change_policy` text NOT NULL,
	`min_upgrade_window_days` integer NOT NULL,
	`description` text NOT NULL,
	`sort_order` integer NOT NULL,
	CONSTRAINT "support_levels_key" CHECK(key in ('certified', 'community', 'custom', 'enterprise', 'archived')),
	CONSTRAINT "support_levels_window" CHECK("min_upgrade_window_days" >= 0)
);
--> statement-breakpoint
CREATE TABLE `support_policies` (
	`support_level` text NOT NULL,
	`deployment` text NOT NULL,
	`coverage` text NOT NULL,
	`coverage_text` text NOT NULL,
	`sla_tier` text NOT NULL,
	`premium_support_required` integer NOT NULL,
	`maintained_by` text NOT NULL,
	`footnote` text,
	CONSTRAINT `support_policies_pk` PRIMARY KEY(`support_level`, `deployment`),
	CONSTRAINT `fk_support_policies_support_level_support_levels_key_fk` FOREIGN KEY (`support_level`) REFERENCES `support_levels`(`key`),
	CONSTRAINT `fk_support_policies_deployment_deployments_key_fk` FOREIGN KEY (`deployment`) REFERENCES `deployments`(`key`),
	CONSTRAINT `fk_support_policies_sla_tier_sla_tiers_key_fk` FOREIGN KEY (`sla_tier`) REFERENCES `sla_tiers`(`key`),
	CONSTRAINT "support_policies_coverage" CHECK(coverage in ('supported', 'slack_only', 'no_support', 'not_offered')),
	CONSTRAINT "support_policies_maintained_by" CHECK(maintained_by in ('vendor', 'customer', 'community', 'nobody'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `breaking_changes_connector_version_idx` ON `breaking_changes` (`connector_id`,`version`);--> statement-breakpoint
CREATE INDEX `breaking_changes_deadline_idx` ON `breaking_changes` (`upgrade_deadline`);--> statement-breakpoint
CREATE INDEX `certification_events_connector_idx` ON `certification_events` (`connector_id`,`id`);--> statement-breakpoint
CREATE INDEX `connector_availability_deployment_idx` ON `connector_availability` (`deployment`,`enabled`,`connector_id`);--> statement-breakpoint
CREATE INDEX `connectors_name_idx` ON `connectors` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `connectors_level_idx` ON `connectors` (`support_level`,`name`);--> statement-breakpoint
CREATE INDEX `connectors_updated_idx` ON `connectors` (`updated_at`,`id`);