"""The shared stock store for sales channels: JSON API v1, change feed, webhooks, per-channel figures.

Calls only the orders, receipts, masterdata (products) and stock services, never a floor workflow.
"""
