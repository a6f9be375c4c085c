-- The connector history on PostgreSQL: the triggers of migrations/20261130125451_history_triggers under the
-- same names, recording the same rows (docs/history.md). Row-level plpgsql; history_context is read as there.
-- Values are written as SQLite stores them: booleans as '1'/'0', numbers as their text, JSON as compact text.
-- No backfill: migrations-pg/ starts from today's schema, so there is no older PostgreSQL database to fill.

-- Compact JSON text (no spaces, keys in the json value's order), as SQLite's json functions write it.
CREATE FUNCTION connector_history_json(v json) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN CASE json_typeof(v)
    WHEN 'object' THEN '{' || coalesce((SELECT string_agg(to_json(e.key)::text || ':' || connector_history_json(e.value), ',' ORDER BY e.ord)
      FROM json_each(v) WITH ORDINALITY e(key, value, ord)), '') || '}'
    WHEN 'array' THEN '[' || coalesce((SELECT string_agg(connector_history_json(e.value), ',' ORDER BY e.ord)
      FROM json_array_elements(v) WITH ORDINALITY e(value, ord)), '') || ']'
    ELSE v::text END;
END;
$$;
--> statement-breakpoint
-- One history row, attributed from history_context (or 'unattributed', effective when recorded).
CREATE FUNCTION connector_history_record(p_connector bigint, p_field text, p_scope text, p_value text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  x history_context%ROWTYPE;
BEGIN
  SELECT * INTO x FROM history_context WHERE id = 1;
  INSERT INTO connector_history (connector_id, field, scope, value, effective_at, actor, source, import_id)
  VALUES (p_connector, p_field, p_scope, p_value, coalesce(x.effective_at, to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    x.actor, coalesce(x.source, 'unattributed'), x.import_id);
END;
$$;
--> statement-breakpoint
-- Every recorded column of a connector by key; tags stay a string holding their JSON, as SQLite's json_object keeps text.
CREATE FUNCTION connector_history_snapshot(c connectors) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object('slug', c.slug, 'definitionId', c.definition_id, 'name', c.name, 'type', c.type,
    'supportLevel', c.support_level, 'releaseStage', c.release_stage, 'dockerRepository', c.docker_repository,
    'dockerImageTag', c.docker_image_tag, 'documentationUrl', c.documentation_url, 'iconUrl', c.icon_url,
    'language', c.language, 'license', c.license, 'subtype', c.subtype, 'tags', connector_history_json(c.tags::json),
    'releaseDate', c.release_date, 'internalSl', c.internal_sl, 'internalQl', c.internal_ql,
    'maxSecondsBetweenMessages', c.max_seconds_between_messages, 'usage', c.usage,
    'syncSuccessRate', c.sync_success_rate, 'organization', c.organization)
$$;
--> statement-breakpoint
-- Each connector's latest effective time, and whether a change came out of effective order.
CREATE FUNCTION connector_history_horizon() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM connector_history_horizon WHERE connector_id = NEW.connector_id AND last_effective_at = NEW.effective_at) THEN
    INSERT INTO connector_history_horizon AS h (connector_id, last_effective_at, disordered) VALUES (NEW.connector_id, NEW.effective_at, false)
    ON CONFLICT (connector_id) DO UPDATE SET disordered = h.disordered OR excluded.last_effective_at < h.last_effective_at COLLATE "C",
      last_effective_at = greatest(h.last_effective_at COLLATE "C", excluded.last_effective_at);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_horizon AFTER INSERT ON connector_history FOR EACH ROW EXECUTE FUNCTION connector_history_horizon();
--> statement-breakpoint
CREATE FUNCTION connector_history_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM connector_history_record(NEW.id, 'created', '', connector_history_json(connector_history_snapshot(NEW)));
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_created AFTER INSERT ON connectors FOR EACH ROW EXECUTE FUNCTION connector_history_created();
--> statement-breakpoint
-- A row per changed column, in the snapshot's key order, with the value as SQLite stores the column.
CREATE FUNCTION connector_history_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  f record;
BEGIN
  FOR f IN SELECT n.key, n.value #>> '{}' AS value FROM json_each(connector_history_snapshot(NEW)) WITH ORDINALITY n(key, value, ord)
    JOIN json_each(connector_history_snapshot(OLD)) o ON o.key = n.key WHERE n.value::text IS DISTINCT FROM o.value::text ORDER BY n.ord
  LOOP
    PERFORM connector_history_record(NEW.id, f.key, '', f.value);
  END LOOP;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_changed AFTER UPDATE OF slug, definition_id, name, type, support_level, release_stage, docker_repository,
  docker_image_tag, documentation_url, icon_url, language, license, subtype, tags, release_date, internal_sl, internal_ql,
  max_seconds_between_messages, usage, sync_success_rate, organization ON connectors FOR EACH ROW EXECUTE FUNCTION connector_history_changed();
--> statement-breakpoint
-- A deployment's availability as new (rows for what it has), or gone (enabled 0, set values cleared).
CREATE FUNCTION connector_history_availability_rows(a connector_availability, gone boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF gone AND NOT EXISTS (SELECT 1 FROM connectors WHERE id = a.connector_id) THEN
    RETURN;
  END IF;
  PERFORM connector_history_record(a.connector_id, 'enabled', a.deployment, CASE WHEN gone THEN '0' ELSE a.enabled::int::text END);
  IF a.docker_image_tag IS NOT NULL THEN
    PERFORM connector_history_record(a.connector_id, 'dockerImageTag', a.deployment, CASE WHEN gone THEN NULL ELSE a.docker_image_tag END);
  END IF;
  IF a.docker_repository IS NOT NULL THEN
    PERFORM connector_history_record(a.connector_id, 'dockerRepository', a.deployment, CASE WHEN gone THEN NULL ELSE a.docker_repository END);
  END IF;
END;
$$;
--> statement-breakpoint
-- Written by the write that created the connector, nothing recorded since: into its snapshot, under
-- availability.<deployment>, rather than rows of its own.
CREATE FUNCTION connector_history_availability_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  x history_context%ROWTYPE;
  s connector_history%ROWTYPE;
BEGIN
  SELECT * INTO x FROM history_context WHERE id = 1;
  SELECT * INTO s FROM connector_history WHERE id = (SELECT max(id) FROM connector_history WHERE connector_id = NEW.connector_id);
  IF s.field = 'created' AND x.effective_at = s.effective_at AND x.source = s.source
    AND x.actor IS NOT DISTINCT FROM s.actor AND x.import_id IS NOT DISTINCT FROM s.import_id THEN
    UPDATE connector_history SET value = connector_history_json(jsonb_set(value::jsonb, '{availability}',
      coalesce(value::jsonb -> 'availability', '{}') || jsonb_build_object(NEW.deployment, jsonb_build_object('enabled', NEW.enabled::int,
        'dockerImageTag', NEW.docker_image_tag, 'dockerRepository', NEW.docker_repository)))::json)
    WHERE id = s.id;
  ELSE
    PERFORM connector_history_availability_rows(NEW, false);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_availability_added AFTER INSERT ON connector_availability FOR EACH ROW EXECUTE FUNCTION connector_history_availability_added();
--> statement-breakpoint
CREATE FUNCTION connector_history_availability_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.connector_id IS DISTINCT FROM NEW.connector_id OR OLD.deployment IS DISTINCT FROM NEW.deployment THEN
    PERFORM connector_history_availability_rows(OLD, true);
    PERFORM connector_history_availability_rows(NEW, false);
    RETURN NULL;
  END IF;
  IF OLD.enabled IS DISTINCT FROM NEW.enabled THEN
    PERFORM connector_history_record(NEW.connector_id, 'enabled', NEW.deployment, NEW.enabled::int::text);
  END IF;
  IF OLD.docker_image_tag IS DISTINCT FROM NEW.docker_image_tag THEN
    PERFORM connector_history_record(NEW.connector_id, 'dockerImageTag', NEW.deployment, NEW.docker_image_tag);
  END IF;
  IF OLD.docker_repository IS DISTINCT FROM NEW.docker_repository THEN
    PERFORM connector_history_record(NEW.connector_id, 'dockerRepository', NEW.deployment, NEW.docker_repository);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_availability_changed AFTER UPDATE OF connector_id, deployment, enabled, docker_image_tag, docker_repository
  ON connector_availability FOR EACH ROW EXECUTE FUNCTION connector_history_availability_changed();
--> statement-breakpoint
CREATE FUNCTION connector_history_availability_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM connector_history_availability_rows(OLD, true);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_availability_removed AFTER DELETE ON connector_availability FOR EACH ROW EXECUTE FUNCTION connector_history_availability_removed();
--> statement-breakpoint
CREATE FUNCTION connector_history_breaking_change_value(b breaking_changes) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT connector_history_json(json_build_object('upgradeDeadline', b.upgrade_deadline, 'message', b.message,
    'migrationDocumentationUrl', b.migration_documentation_url, 'deadlineAction', b.deadline_action, 'scopedImpact', b.scoped_impact::json))
$$;
--> statement-breakpoint
-- An announcement gone from a connector and version: a null row, or, for demo data, no trace at all.
CREATE FUNCTION connector_history_breaking_change_gone(b breaking_changes) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF b.demo THEN
    DELETE FROM connector_history WHERE connector_id = b.connector_id AND field = 'breakingChange' AND scope = b.version;
  ELSIF EXISTS (SELECT 1 FROM connectors WHERE id = b.connector_id) THEN
    PERFORM connector_history_record(b.connector_id, 'breakingChange', b.version, NULL);
  END IF;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION connector_history_breaking_change_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM connector_history_record(NEW.connector_id, 'breakingChange', NEW.version, connector_history_breaking_change_value(NEW));
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_breaking_change_added AFTER INSERT ON breaking_changes FOR EACH ROW EXECUTE FUNCTION connector_history_breaking_change_added();
--> statement-breakpoint
CREATE FUNCTION connector_history_breaking_change_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moved boolean := OLD.connector_id IS DISTINCT FROM NEW.connector_id OR OLD.version IS DISTINCT FROM NEW.version;
BEGIN
  IF moved THEN
    PERFORM connector_history_breaking_change_gone(OLD);
  END IF;
  IF moved OR connector_history_breaking_change_value(OLD) IS DISTINCT FROM connector_history_breaking_change_value(NEW) THEN
    PERFORM connector_history_record(NEW.connector_id, 'breakingChange', NEW.version, connector_history_breaking_change_value(NEW));
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_breaking_change_changed AFTER UPDATE OF connector_id, version, upgrade_deadline, message,
  migration_documentation_url, deadline_action, scoped_impact ON breaking_changes FOR EACH ROW EXECUTE FUNCTION connector_history_breaking_change_changed();
--> statement-breakpoint
CREATE FUNCTION connector_history_breaking_change_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM connector_history_breaking_change_gone(OLD);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connector_history_breaking_change_removed AFTER DELETE ON breaking_changes FOR EACH ROW EXECUTE FUNCTION connector_history_breaking_change_removed();
--> statement-breakpoint
-- A certification event written with a recorded change takes that change's effective time. Set before the
-- insert rather than updated after it (as SQLite does): the stored row is the same.
CREATE FUNCTION certification_events_effective_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.effective_at := (SELECT effective_at FROM history_context WHERE id = 1);
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER certification_events_effective_at BEFORE INSERT ON certification_events FOR EACH ROW WHEN (NEW.effective_at IS NULL)
  EXECUTE FUNCTION certification_events_effective_at();
