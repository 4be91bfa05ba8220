"""Pages of the shared core: the approvals queue and notifications (inbox), and the generic
staged-import and approved-download pages that apps mount with their adapters."""
