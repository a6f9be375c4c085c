-- The history of every connector change (connector_history), written by triggers so that every writer
-- is recorded: the API's mutations, imports, the seed, and any other writer alike. Who wrote and when the
-- change took effect come from history_context, the one row a write path sets inside its transaction
-- (src/domain/history/recording.ts); without it a change is 'unattributed', effective when recorded.
-- Only syntax SQLite 3.40 knows (test/old-sqlite.test.ts).
-- Each connector's latest effective time, and whether a change came out of effective order.
-- (A row at the time already kept changes nothing: the rows of one write usually share it.)
CREATE TRIGGER `connector_history_horizon` AFTER INSERT ON `connector_history`
WHEN NOT EXISTS (SELECT 1 FROM `connector_history_horizon` WHERE `connector_id` = NEW.`connector_id` AND `last_effective_at` = NEW.`effective_at`) BEGIN
  INSERT INTO `connector_history_horizon` (`connector_id`, `last_effective_at`, `disordered`) VALUES (NEW.`connector_id`, NEW.`effective_at`, 0)
  ON CONFLICT (`connector_id`) DO UPDATE SET `disordered` = `disordered` OR excluded.`last_effective_at` < `last_effective_at`,
    `last_effective_at` = max(`last_effective_at`, excluded.`last_effective_at`);
END;
--> statement-breakpoint
CREATE TRIGGER `connector_history_created` AFTER INSERT ON `connectors` BEGIN
  -- One row, the snapshot of every recorded column (a JSON object by key), rather than a row a column.
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT NEW.`id`, 'created', '', json_object('slug', NEW.`slug`,
    'definitionId', NEW.`definition_id`,
    'name', NEW.`name`,
    'type', NEW.`type`,
    'supportLevel', NEW.`support_level`,
    'releaseStage', NEW.`release_stage`,
    'dockerRepository', NEW.`docker_repository`,
    'dockerImageTag', NEW.`docker_image_tag`,
    'documentationUrl', NEW.`documentation_url`,
    'iconUrl', NEW.`icon_url`,
    'language', NEW.`language`,
    'license', NEW.`license`,
    'subtype', NEW.`subtype`,
    'tags', NEW.`tags`,
    'releaseDate', NEW.`release_date`,
    'internalSl', NEW.`internal_sl`,
    'internalQl', NEW.`internal_ql`,
    'maxSecondsBetweenMessages', NEW.`max_seconds_between_messages`,
    'usage', NEW.`usage`,
    'syncSuccessRate', NEW.`sync_success_rate`,
    'organization', NEW.`organization`),
    coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 1) LEFT JOIN `history_context` x ON x.`id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `connector_history_changed` AFTER UPDATE OF `slug`, `definition_id`, `name`, `type`, `support_level`, `release_stage`, `docker_repository`, `docker_image_tag`, `documentation_url`, `icon_url`, `language`, `license`, `subtype`, `tags`, `release_date`, `internal_sl`, `internal_ql`, `max_seconds_between_messages`, `usage`, `sync_success_rate`, `organization` ON `connectors`
WHEN OLD.`slug` IS NOT NEW.`slug` OR OLD.`definition_id` IS NOT NEW.`definition_id` OR OLD.`name` IS NOT NEW.`name` OR OLD.`type` IS NOT NEW.`type` OR OLD.`support_level` IS NOT NEW.`support_level` OR OLD.`release_stage` IS NOT NEW.`release_stage` OR OLD.`docker_repository` IS NOT NEW.`docker_repository` OR OLD.`docker_image_tag` IS NOT NEW.`docker_image_tag` OR OLD.`documentation_url` IS NOT NEW.`documentation_url` OR OLD.`icon_url` IS NOT NEW.`icon_url` OR OLD.`language` IS NOT NEW.`language` OR OLD.`license` IS NOT NEW.`license` OR OLD.`subtype` IS NOT NEW.`subtype` OR OLD.`tags` IS NOT NEW.`tags` OR OLD.`release_date` IS NOT NEW.`release_date` OR OLD.`internal_sl` IS NOT NEW.`internal_sl` OR OLD.`internal_ql` IS NOT NEW.`internal_ql` OR OLD.`max_seconds_between_messages` IS NOT NEW.`max_seconds_between_messages` OR OLD.`usage` IS NOT NEW.`usage` OR OLD.`sync_success_rate` IS NOT NEW.`sync_success_rate` OR OLD.`organization` IS NOT NEW.`organization` BEGIN
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT NEW.`id`, f.`field`, '', f.`value`, coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 'slug' AS `field`, NEW.`slug` AS `value`, OLD.`slug` IS NOT NEW.`slug` AS `changed`
    UNION ALL SELECT 'definitionId' AS `field`, NEW.`definition_id` AS `value`, OLD.`definition_id` IS NOT NEW.`definition_id` AS `changed`
    UNION ALL SELECT 'name' AS `field`, NEW.`name` AS `value`, OLD.`name` IS NOT NEW.`name` AS `changed`
    UNION ALL SELECT 'type' AS `field`, NEW.`type` AS `value`, OLD.`type` IS NOT NEW.`type` AS `changed`
    UNION ALL SELECT 'supportLevel' AS `field`, NEW.`support_level` AS `value`, OLD.`support_level` IS NOT NEW.`support_level` AS `changed`
    UNION ALL SELECT 'releaseStage' AS `field`, NEW.`release_stage` AS `value`, OLD.`release_stage` IS NOT NEW.`release_stage` AS `changed`
    UNION ALL SELECT 'dockerRepository' AS `field`, NEW.`docker_repository` AS `value`, OLD.`docker_repository` IS NOT NEW.`docker_repository` AS `changed`
    UNION ALL SELECT 'dockerImageTag' AS `field`, NEW.`docker_image_tag` AS `value`, OLD.`docker_image_tag` IS NOT NEW.`docker_image_tag` AS `changed`
    UNION ALL SELECT 'documentationUrl' AS `field`, NEW.`documentation_url` AS `value`, OLD.`documentation_url` IS NOT NEW.`documentation_url` AS `changed`
    UNION ALL SELECT 'iconUrl' AS `field`, NEW.`icon_url` AS `value`, OLD.`icon_url` IS NOT NEW.`icon_url` AS `changed`
    UNION ALL SELECT 'language' AS `field`, NEW.`language` AS `value`, OLD.`language` IS NOT NEW.`language` AS `changed`
    UNION ALL SELECT 'license' AS `field`, NEW.`license` AS `value`, OLD.`license` IS NOT NEW.`license` AS `changed`
    UNION ALL SELECT 'subtype' AS `field`, NEW.`subtype` AS `value`, OLD.`subtype` IS NOT NEW.`subtype` AS `changed`
    UNION ALL SELECT 'tags' AS `field`, NEW.`tags` AS `value`, OLD.`tags` IS NOT NEW.`tags` AS `changed`
    UNION ALL SELECT 'releaseDate' AS `field`, NEW.`release_date` AS `value`, OLD.`release_date` IS NOT NEW.`release_date` AS `changed`
    UNION ALL SELECT 'internalSl' AS `field`, NEW.`internal_sl` AS `value`, OLD.`internal_sl` IS NOT NEW.`internal_sl` AS `changed`
    UNION ALL SELECT 'internalQl' AS `field`, NEW.`internal_ql` AS `value`, OLD.`internal_ql` IS NOT NEW.`internal_ql` AS `changed`
    UNION ALL SELECT 'maxSecondsBetweenMessages' AS `field`, NEW.`max_seconds_between_messages` AS `value`, OLD.`max_seconds_between_messages` IS NOT NEW.`max_seconds_between_messages` AS `changed`
    UNION ALL SELECT 'usage' AS `field`, NEW.`usage` AS `value`, OLD.`usage` IS NOT NEW.`usage` AS `changed`
    UNION ALL SELECT 'syncSuccessRate' AS `field`, NEW.`sync_success_rate` AS `value`, OLD.`sync_success_rate` IS NOT NEW.`sync_success_rate` AS `changed`
    UNION ALL SELECT 'organization' AS `field`, NEW.`organization` AS `value`, OLD.`organization` IS NOT NEW.`organization` AS `changed`) f LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE f.`changed`;
END;
--> statement-breakpoint
CREATE TRIGGER `connector_history_availability_added` AFTER INSERT ON `connector_availability` BEGIN
  -- Written by the write that created the connector, nothing recorded since: into its snapshot, under
  -- availability.<deployment>, rather than rows of its own.
  UPDATE `connector_history` SET `value` = json_set(`value`, '$.availability.' || NEW.`deployment`,
    json_object('enabled', NEW.`enabled`, 'dockerImageTag', NEW.`docker_image_tag`, 'dockerRepository', NEW.`docker_repository`))
  WHERE `id` = (SELECT max(`id`) FROM `connector_history` WHERE `connector_id` = NEW.`connector_id`) AND `field` = 'created'
    AND EXISTS (SELECT 1 FROM `history_context` x WHERE x.`id` = 1 AND x.`effective_at` = `connector_history`.`effective_at`
      AND x.`source` = `connector_history`.`source` AND x.`actor` IS `connector_history`.`actor` AND x.`import_id` IS `connector_history`.`import_id`);
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT NEW.`connector_id`, f.`field`, NEW.`deployment`, f.`value`, coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 'enabled' AS `field`, NEW.`enabled` AS `value`
    UNION ALL SELECT 'dockerImageTag', NEW.`docker_image_tag`
    UNION ALL SELECT 'dockerRepository', NEW.`docker_repository`) f LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE (f.`field` = 'enabled' OR f.`value` IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM `connector_history` s WHERE s.`id` = (SELECT max(`id`) FROM `connector_history` WHERE `connector_id` = NEW.`connector_id`)
      AND s.`field` = 'created' AND x.`effective_at` = s.`effective_at` AND x.`source` = s.`source` AND x.`actor` IS s.`actor` AND x.`import_id` IS s.`import_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `connector_history_availability_changed` AFTER UPDATE OF `connector_id`, `deployment`, `enabled`, `docker_image_tag`, `docker_repository` ON `connector_availability` BEGIN
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT OLD.`connector_id`, f.`field`, OLD.`deployment`, f.`value`, coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 'enabled' AS `field`, 0 AS `value`, 1 AS `was`
    UNION ALL SELECT 'dockerImageTag', NULL, OLD.`docker_image_tag`
    UNION ALL SELECT 'dockerRepository', NULL, OLD.`docker_repository`) f LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE f.`was` IS NOT NULL AND (OLD.`connector_id` IS NOT NEW.`connector_id` OR OLD.`deployment` IS NOT NEW.`deployment`) AND EXISTS (SELECT 1 FROM `connectors` WHERE `id` = OLD.`connector_id`);
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT NEW.`connector_id`, f.`field`, NEW.`deployment`, f.`value`, coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 'enabled' AS `field`, NEW.`enabled` AS `value`, OLD.`enabled` IS NOT NEW.`enabled` AS `changed`
    UNION ALL SELECT 'dockerImageTag', NEW.`docker_image_tag`, OLD.`docker_image_tag` IS NOT NEW.`docker_image_tag`
    UNION ALL SELECT 'dockerRepository', NEW.`docker_repository`, OLD.`docker_repository` IS NOT NEW.`docker_repository`) f LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE CASE WHEN OLD.`connector_id` IS NOT NEW.`connector_id` OR OLD.`deployment` IS NOT NEW.`deployment` THEN f.`field` = 'enabled' OR f.`value` IS NOT NULL ELSE f.`changed` END;
END;
--> statement-breakpoint
CREATE TRIGGER `connector_history_availability_removed` AFTER DELETE ON `connector_availability` BEGIN
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT OLD.`connector_id`, f.`field`, OLD.`deployment`, f.`value`, coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 'enabled' AS `field`, 0 AS `value`, 1 AS `was`
    UNION ALL SELECT 'dockerImageTag', NULL, OLD.`docker_image_tag`
    UNION ALL SELECT 'dockerRepository', NULL, OLD.`docker_repository`) f LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE f.`was` IS NOT NULL AND 1 AND EXISTS (SELECT 1 FROM `connectors` WHERE `id` = OLD.`connector_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `connector_history_breaking_change_added` AFTER INSERT ON `breaking_changes` BEGIN
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT NEW.`connector_id`, 'breakingChange', NEW.`version`, json_object('upgradeDeadline', NEW.`upgrade_deadline`, 'message', NEW.`message`, 'migrationDocumentationUrl', NEW.`migration_documentation_url`, 'deadlineAction', NEW.`deadline_action`, 'scopedImpact', json(NEW.`scoped_impact`)), coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 1) LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE 1;
END;
--> statement-breakpoint
CREATE TRIGGER `connector_history_breaking_change_changed` AFTER UPDATE OF `connector_id`, `version`, `upgrade_deadline`, `message`, `migration_documentation_url`, `deadline_action`, `scoped_impact` ON `breaking_changes` BEGIN
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT OLD.`connector_id`, 'breakingChange', OLD.`version`, NULL, coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 1) LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE (OLD.`connector_id` IS NOT NEW.`connector_id` OR OLD.`version` IS NOT NEW.`version`) AND NOT OLD.`demo` AND EXISTS (SELECT 1 FROM `connectors` WHERE `id` = OLD.`connector_id`);
  -- Demo data leaves no trace: a removed demo announcement takes its history with it.
  DELETE FROM `connector_history` WHERE OLD.`demo` AND (OLD.`connector_id` IS NOT NEW.`connector_id` OR OLD.`version` IS NOT NEW.`version`) AND `connector_id` = OLD.`connector_id` AND `field` = 'breakingChange' AND `scope` = OLD.`version`;
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT NEW.`connector_id`, 'breakingChange', NEW.`version`, json_object('upgradeDeadline', NEW.`upgrade_deadline`, 'message', NEW.`message`, 'migrationDocumentationUrl', NEW.`migration_documentation_url`, 'deadlineAction', NEW.`deadline_action`, 'scopedImpact', json(NEW.`scoped_impact`)), coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 1) LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE (OLD.`connector_id` IS NOT NEW.`connector_id` OR OLD.`version` IS NOT NEW.`version` OR json_object('upgradeDeadline', OLD.`upgrade_deadline`, 'message', OLD.`message`, 'migrationDocumentationUrl', OLD.`migration_documentation_url`, 'deadlineAction', OLD.`deadline_action`, 'scopedImpact', json(OLD.`scoped_impact`)) IS NOT json_object('upgradeDeadline', NEW.`upgrade_deadline`, 'message', NEW.`message`, 'migrationDocumentationUrl', NEW.`migration_documentation_url`, 'deadlineAction', NEW.`deadline_action`, 'scopedImpact', json(NEW.`scoped_impact`)));
END;
--> statement-breakpoint
CREATE TRIGGER `connector_history_breaking_change_removed` AFTER DELETE ON `breaking_changes` BEGIN
  INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `actor`, `source`, `import_id`)
  SELECT OLD.`connector_id`, 'breakingChange', OLD.`version`, NULL, coalesce(x.`effective_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), x.`actor`, coalesce(x.`source`, 'unattributed'), x.`import_id`
  FROM (SELECT 1) LEFT JOIN `history_context` x ON x.`id` = 1
  WHERE 1 AND NOT OLD.`demo` AND EXISTS (SELECT 1 FROM `connectors` WHERE `id` = OLD.`connector_id`);
  -- Demo data leaves no trace: a removed demo announcement takes its history with it.
  DELETE FROM `connector_history` WHERE OLD.`demo` AND 1 AND `connector_id` = OLD.`connector_id` AND `field` = 'breakingChange' AND `scope` = OLD.`version`;
END;
--> statement-breakpoint
-- A certification event written with a recorded change takes that change's effective time, so a
-- connector as of any instant shows the level and the event that set it together.
CREATE TRIGGER `certification_events_effective_at` AFTER INSERT ON `certification_events` WHEN NEW.`effective_at` IS NULL BEGIN
  UPDATE `certification_events` SET `effective_at` = (SELECT `effective_at` FROM `history_context` WHERE `id` = 1)
  WHERE `id` = NEW.`id` AND EXISTS (SELECT 1 FROM `history_context` WHERE `id` = 1 AND `effective_at` IS NOT NULL);
END;
--> statement-breakpoint
-- What the database already holds, as of when each row was made: a connector's snapshot from its
-- created_at (its support level as it was before its first certification event), each certification
-- event's level from when it took effect, availability from the connector's created_at, breaking changes
-- from when they were recorded.
INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `recorded_at`, `actor`, `source`, `import_id`)
SELECT c.`id`, 'created', '', json_object('slug', c.`slug`,
    'definitionId', c.`definition_id`,
    'name', c.`name`,
    'type', c.`type`,
    'supportLevel', coalesce((SELECT e.`from_level` FROM `certification_events` e WHERE e.`connector_id` = c.`id` ORDER BY e.`id` LIMIT 1), c.`support_level`),
    'releaseStage', c.`release_stage`,
    'dockerRepository', c.`docker_repository`,
    'dockerImageTag', c.`docker_image_tag`,
    'documentationUrl', c.`documentation_url`,
    'iconUrl', c.`icon_url`,
    'language', c.`language`,
    'license', c.`license`,
    'subtype', c.`subtype`,
    'tags', c.`tags`,
    'releaseDate', c.`release_date`,
    'internalSl', c.`internal_sl`,
    'internalQl', c.`internal_ql`,
    'maxSecondsBetweenMessages', c.`max_seconds_between_messages`,
    'usage', c.`usage`,
    'syncSuccessRate', c.`sync_success_rate`,
    'organization', c.`organization`),
  c.`created_at`, c.`created_at`, NULL, 'migration', NULL
FROM `connectors` c ORDER BY c.`id`;
--> statement-breakpoint
INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `recorded_at`, `actor`, `source`, `import_id`)
SELECT `connector_id`, 'supportLevel', '', `to_level`, coalesce(`effective_at`, `created_at`), `created_at`, `actor`, `source`, `import_id`
FROM `certification_events` ORDER BY `id`;
--> statement-breakpoint
INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `recorded_at`, `actor`, `source`, `import_id`)
SELECT a.`connector_id`, f.`field`, a.`deployment`, CASE f.`field` WHEN 'enabled' THEN a.`enabled` WHEN 'dockerImageTag' THEN a.`docker_image_tag` ELSE a.`docker_repository` END,
  c.`created_at`, c.`created_at`, NULL, 'migration', NULL
FROM `connector_availability` a JOIN `connectors` c ON c.`id` = a.`connector_id`
JOIN (SELECT 'enabled' AS `field` UNION ALL SELECT 'dockerImageTag' UNION ALL SELECT 'dockerRepository') f
WHERE f.`field` = 'enabled' OR CASE f.`field` WHEN 'dockerImageTag' THEN a.`docker_image_tag` ELSE a.`docker_repository` END IS NOT NULL
ORDER BY a.`connector_id`, a.`deployment`;
--> statement-breakpoint
INSERT INTO `connector_history` (`connector_id`, `field`, `scope`, `value`, `effective_at`, `recorded_at`, `actor`, `source`, `import_id`)
SELECT b.`connector_id`, 'breakingChange', b.`version`, json_object('upgradeDeadline', b.`upgrade_deadline`, 'message', b.`message`, 'migrationDocumentationUrl', b.`migration_documentation_url`, 'deadlineAction', b.`deadline_action`, 'scopedImpact', json(b.`scoped_impact`)), b.`created_at`, b.`created_at`, NULL, 'migration', NULL
FROM `breaking_changes` b ORDER BY b.`id`;
