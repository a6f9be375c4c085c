-- The enabled_on triggers again, without group_concat(… ORDER BY …): that form needs SQLite 3.44, and a
-- schema holding it is "malformed" to Debian 12's sqlite3 (3.40) and Python's sqlite3, so operators could
-- not open the database or a backup. Same value as before: the deployments in key order, comma-separated,
-- null for none. group_concat runs as a window function here (SQLite 3.25+): a window's aggregate steps
-- through its rows in the window's ORDER BY, and a frame spanning the whole partition gives every row the
-- complete list, so LIMIT 1 takes any of them; no rows gives null, as the aggregate did.
DROP TRIGGER `connector_availability_enabled_on_insert`;
--> statement-breakpoint
DROP TRIGGER `connector_availability_enabled_on_update`;
--> statement-breakpoint
DROP TRIGGER `connector_availability_enabled_on_delete`;
--> statement-breakpoint
CREATE TRIGGER `connector_availability_enabled_on_insert` AFTER INSERT ON `connector_availability` BEGIN
  UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',') OVER (ORDER BY `deployment` ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM `connector_availability` WHERE `connector_id` = NEW.`connector_id` AND `enabled` = 1 LIMIT 1) WHERE `id` = NEW.`connector_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `connector_availability_enabled_on_update` AFTER UPDATE ON `connector_availability` BEGIN
  UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',') OVER (ORDER BY `deployment` ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM `connector_availability` WHERE `connector_id` = NEW.`connector_id` AND `enabled` = 1 LIMIT 1) WHERE `id` = NEW.`connector_id`;
  UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',') OVER (ORDER BY `deployment` ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM `connector_availability` WHERE `connector_id` = OLD.`connector_id` AND `enabled` = 1 LIMIT 1) WHERE `id` = OLD.`connector_id` AND OLD.`connector_id` <> NEW.`connector_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `connector_availability_enabled_on_delete` AFTER DELETE ON `connector_availability` BEGIN
  UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',') OVER (ORDER BY `deployment` ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM `connector_availability` WHERE `connector_id` = OLD.`connector_id` AND `enabled` = 1 LIMIT 1) WHERE `id` = OLD.`connector_id`;
END;
--> statement-breakpoint
-- Recomputed with the new expression, so every stored value is the one the triggers now write.
UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',') OVER (ORDER BY `deployment` ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM `connector_availability` WHERE `connector_id` = `connectors`.`id` AND `enabled` = 1 LIMIT 1);
