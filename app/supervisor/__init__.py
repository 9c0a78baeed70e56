"""The supervisor's office screens (issue 12): count tasks and their schedule, the live review queue
and approval, one discrepancy list, KPIs drawn as small SVG charts, and alerts.

The count rules are app.stock.counting's; this package makes tasks, reads what was counted and
calls the rules in one unit of work per use case. It imports no floor workflow.
"""
