"""Expected receipts (入荷予定 / ASN), the office side: list, create on a screen, import from CSV.

The floor side (receiving against them) is app/receiving/.
"""
