-- connectors.enabled_on: the deployments a connector is enabled on, comma-separated in key order (null
-- for none), kept equal to connector_availability by these triggers so a page reads it with the row.
UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',' ORDER BY `deployment`) FROM `connector_availability` WHERE `connector_id` = `connectors`.`id` AND `enabled` = 1);
--> statement-breakpoint
CREATE TRIGGER `connector_availability_enabled_on_insert` AFTER INSERT ON `connector_availability` BEGIN
  UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',' ORDER BY `deployment`) FROM `connector_availability` WHERE `connector_id` = NEW.`connector_id` AND `enabled` = 1) WHERE `id` = NEW.`connector_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `connector_availability_enabled_on_update` AFTER UPDATE ON `connector_availability` BEGIN
  UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',' ORDER BY `deployment`) FROM `connector_availability` WHERE `connector_id` = NEW.`connector_id` AND `enabled` = 1) WHERE `id` = NEW.`connector_id`;
  UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',' ORDER BY `deployment`) FROM `connector_availability` WHERE `connector_id` = OLD.`connector_id` AND `enabled` = 1) WHERE `id` = OLD.`connector_id` AND OLD.`connector_id` <> NEW.`connector_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `connector_availability_enabled_on_delete` AFTER DELETE ON `connector_availability` BEGIN
  UPDATE `connectors` SET `enabled_on` = (SELECT group_concat(`deployment`, ',' ORDER BY `deployment`) FROM `connector_availability` WHERE `connector_id` = OLD.`connector_id` AND `enabled` = 1) WHERE `id` = OLD.`connector_id`;
END;
