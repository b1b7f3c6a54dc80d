"""The admin area: operators manage users, credits and the queue; every change is written to the audit log."""
