-- connectors.enabled_on on PostgreSQL: the deployments a connector is enabled on, comma-separated in key order
-- (null for none), kept equal to connector_availability as SQLite's triggers keep it (migrations/
-- 20261130100842_enabled_on_without_ordered_aggregate), under the same trigger names. Statement-level triggers
-- with transition tables: a batched import refreshes each touched connector once per statement, not per row.
CREATE FUNCTION connector_availability_enabled_on() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only the branch for TG_OP runs, so each trigger names only the transition tables it declares.
  IF TG_OP = 'INSERT' THEN
    UPDATE connectors c SET enabled_on = (SELECT string_agg(a.deployment, ',' ORDER BY a.deployment) FROM connector_availability a WHERE a.connector_id = c.id AND a.enabled)
    WHERE c.id IN (SELECT connector_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE connectors c SET enabled_on = (SELECT string_agg(a.deployment, ',' ORDER BY a.deployment) FROM connector_availability a WHERE a.connector_id = c.id AND a.enabled)
    WHERE c.id IN (SELECT connector_id FROM old_rows);
  ELSE
    UPDATE connectors c SET enabled_on = (SELECT string_agg(a.deployment, ',' ORDER BY a.deployment) FROM connector_availability a WHERE a.connector_id = c.id AND a.enabled)
    WHERE c.id IN (SELECT connector_id FROM new_rows UNION SELECT connector_id FROM old_rows);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_availability_enabled_on_insert AFTER INSERT ON connector_availability
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION connector_availability_enabled_on();
--> statement-breakpoint
CREATE TRIGGER connector_availability_enabled_on_update AFTER UPDATE ON connector_availability
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION connector_availability_enabled_on();
--> statement-breakpoint
CREATE TRIGGER connector_availability_enabled_on_delete AFTER DELETE ON connector_availability
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION connector_availability_enabled_on();
