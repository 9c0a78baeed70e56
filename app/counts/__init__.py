"""棚卸し (cycle counts on the floor): blind counts of a shelf, scanned unit by unit."""
