"""The Compare page: runs that differ in one setting (model), what it draws (view), its page."""
