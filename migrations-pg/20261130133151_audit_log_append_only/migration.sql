-- audit_log is append-only on PostgreSQL too (migrations/20261130122430_audit_log_append_only), under the
-- same trigger names: a row, once written, can be neither changed nor removed.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: rows cannot be %', CASE TG_OP WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
