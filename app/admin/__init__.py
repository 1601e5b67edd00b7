"""Admin pages: staff accounts and roles, the audit log, batches to check."""
