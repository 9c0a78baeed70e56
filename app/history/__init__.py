"""History of master data: every change to a user, warehouse, product or shelf, field by field
(who, when, from what to what), as the ledger is for stock."""
