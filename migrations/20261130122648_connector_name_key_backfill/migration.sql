-- Fills connectors.name_key for the connectors stored before it existed. connector_name_key is nameKey
-- (src/db/name-key.ts), registered on every connection openDatabase opens, which is what migrates.
UPDATE `connectors` SET `name_key` = connector_name_key(`name`);
