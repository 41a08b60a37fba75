"""submission_portal package."""
