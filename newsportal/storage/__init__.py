"""Where articles go and what remembers them: MongoDB, the spool, the seen-store."""
