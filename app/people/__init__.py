"""People on screens (issue 15): users and their roles, warehouses, badges, passwords and PINs, for
admins (/admin/users), supervisors resetting a floor worker's PIN (/team), and everyone's own
password and PIN (/profile)."""
