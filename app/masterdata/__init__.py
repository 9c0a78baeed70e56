"""Master data kept in the office: products and locations, with their CSV imports and exports."""
